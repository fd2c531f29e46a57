"""The embedded server: REST and LiveQuery on one aiohttp port, SQLite underneath.

Any request that asks for a WebSocket upgrade (on any path, as Parse Server
accepts it) becomes a LiveQuery connection; every other request under the
mount path is a REST call. :class:`EmbeddedServer` owns the pieces and their
lifetime; :func:`run_forever` is what ``lq serve`` runs: it prints the two
URLs, waits for Ctrl-C or SIGTERM, then closes every client with a close
frame (1001, going away) and closes the database cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from typing import IO, TYPE_CHECKING, Any

import orjson
from aiohttp import hdrs, web

from livequery_cli.server.auth import AuthService
from livequery_cli.server.connection_gate import (
    ConnectionGate,
    descriptor_budget,
    raise_descriptor_limit,
)
from livequery_cli.server.fanout import LiveQueryHub
from livequery_cli.server.live_socket import serve_websocket
from livequery_cli.server.login_limits import FailedLogins
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.origin_guard import OriginGuard
from livequery_cli.server.password_pool import PasswordPool
from livequery_cli.server.publisher import ChangePublisher
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.rest_request import authenticate, decode_call, split_path
from livequery_cli.server.rest_router import RestRouter
from livequery_cli.server.server_config import ServerConfig
from livequery_cli.server.stop_signals import stop_signals
from livequery_cli.server.storage import Storage

if TYPE_CHECKING:
    from livequery_cli.server.redis_publisher import RedisPublisher

log = logging.getLogger("livequery_cli.server")

MAX_BODY_BYTES = 20 * 1024 * 1024
CLOSE_GRACE_SECONDS = 3.0  # a client that does not answer the close frame is cut off after this
# At shutdown, a request still being answered (or still sending its body) gets this long.
SHUTDOWN_GRACE_SECONDS = 1.0
# After an answer sent before the whole body arrived, unread body bytes are drained this long.
LINGER_SECONDS = 1.0
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET,PUT,POST,DELETE,OPTIONS",
    "Access-Control-Allow-Headers": "X-Parse-Master-Key, X-Parse-REST-API-Key, "
    "X-Parse-Javascript-Key, X-Parse-Application-Id, X-Parse-Client-Version, "
    "X-Parse-Session-Token, X-Requested-With, X-Parse-Revocable-Session, "
    "X-Parse-Request-Id, Content-Type, Pragma, Cache-Control, X-Parse-Installation-Id",
}


def _json_response(
    status: int, body: Any, headers: dict[str, str] | None = None, *, cors: bool = True
) -> web.Response:
    merged = dict(_CORS) if cors else {}
    if headers:
        merged.update(headers)
    return web.Response(
        status=status,
        body=orjson.dumps(body),
        content_type="application/json",
        charset="utf-8",
        headers=merged,
    )


class EmbeddedServer:
    """Storage, auth, hub, REST router and the aiohttp app, started and stopped together."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.storage = Storage(config.db)
        self.auth = AuthService(self.storage)
        self.hub = LiveQueryHub(self.auth)
        self.redis: RedisPublisher | None = None
        publisher: ChangePublisher = self.hub
        if config.redis_url:
            from livequery_cli.server.redis_publisher import RedisPublisher

            self.redis = publisher = RedisPublisher(self.hub, config.redis_url, config.app_id)
        self.service = ObjectService(
            self.storage,
            self.auth,
            publisher,
            allow_class_creation=config.allow_client_class_creation,
        )
        if self.redis is not None:
            self.service.on_role_write = self.redis.role_written
        self.origin_guard = OriginGuard(config.host, config.allow_origins)
        self.passwords = PasswordPool()
        self.router = RestRouter(
            self.service,
            config.mount,
            passwords=self.passwords,
            failed_logins=FailedLogins(
                per_username=config.login_failures_per_username,
                per_address=config.login_failures_per_address,
            ),
        )
        self.port: int | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._per_address: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._gate: ConnectionGate | None = None

    @property
    def rest_url(self) -> str:
        return self.config.rest_url(self.port)

    @property
    def live_query_url(self) -> str:
        return self.config.live_query_url(self.port)

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY_BYTES)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        return app

    async def start(self) -> None:
        """Bind (``port`` 0 picks a free port) and start serving.

        aiohttp's keep-alive timer doubles as the header timeout (see
        :mod:`~livequery_cli.server.connection_gate`); the listening socket's
        protocol factory is the gate, not aiohttp's site, so it can bound the
        connections that wait for a request.
        """
        handler_options: dict[str, Any] = {
            "access_log": None,
            "keepalive_timeout": self.config.header_timeout,
            "lingering_time": LINGER_SECONDS,
        }
        self._runner = web.AppRunner(
            self.build_app(),
            handle_signals=False,
            shutdown_timeout=SHUTDOWN_GRACE_SECONDS,
            **handler_options,
        )
        await self._runner.setup()
        assert self._runner.server is not None
        self._gate = ConnectionGate(
            self._runner.server,
            max_pending=self.config.max_pending_connections,
            max_open=descriptor_budget(),
            handler_options=handler_options,
        )
        loop = asyncio.get_running_loop()
        self._listener = await loop.create_server(self._gate, self.config.host, self.config.port)
        sockets = self._listener.sockets
        self.port = sockets[0].getsockname()[1] if sockets else self.config.port
        self.router.rest_url = self.rest_url
        if self.redis is not None:
            self.redis.start()

    async def stop(self) -> None:
        """Stop accepting, close every LiveQuery client (1001), stop HTTP, close the database."""
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        if self._gate is not None:
            self._gate.close_waiting()
        closing = [
            asyncio.ensure_future(ws.close(code=1001, message=b"server shutting down"))
            for ws in list(self._sockets)
        ]
        if closing:
            _, pending = await asyncio.wait(closing, timeout=CLOSE_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*closing, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.redis is not None:
            await self.redis.stop()
        self.passwords.close()
        self.storage.close()

    async def _live_query(self, request: web.Request) -> web.StreamResponse:
        """A LiveQuery connection, unless its address already holds too many."""
        address = request.remote or ""
        held = self._per_address.get(address, 0)
        if held >= self.config.max_connections_per_address:
            return _json_response(429, {"error": "too many connections from this address"})
        self._per_address[address] = held + 1
        try:
            return await serve_websocket(request, self.hub, self.config, self._sockets)
        finally:
            left = self._per_address[address] - 1
            if left:
                self._per_address[address] = left
            else:
                del self._per_address[address]

    def _busy(self, request: web.Request) -> contextlib.AbstractContextManager[None]:
        """While inside, the connection is no longer a waiter the gate may evict."""
        if self._gate is None:
            return contextlib.nullcontext()
        return self._gate.busy(request.protocol)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        refusal = self.origin_guard.refusal(
            request.headers.get(hdrs.HOST), request.headers.get(hdrs.ORIGIN)
        )
        if refusal is not None:  # before anything runs, and without CORS headers
            return _json_response(403, {"error": refusal}, cors=False)
        if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
            with self._busy(request):
                return await self._live_query(request)
        if request.method == "OPTIONS":
            return web.Response(status=200, headers=_CORS)
        path = split_path(request.path, self.config.mount)
        if path is None:
            return _json_response(404, {"error": "Not Found"})
        try:
            # Still a waiter while its body trickles in: the gate may evict it.
            async with asyncio.timeout(self.config.body_timeout):
                raw = await request.read()
        except TimeoutError:
            return _json_response(
                408, {"error": "request body not received in time"}, {"Connection": "close"}
            )
        except ConnectionError:  # the client left, or the gate evicted it
            return web.Response(status=400)
        with self._busy(request):
            return await self._rest(request, path, raw)

    async def _rest(self, request: web.Request, path: list[str], raw: bytes) -> web.StreamResponse:
        try:
            call, creds = decode_call(request.method, path, request.headers, request.query, raw)
            call.client_address = request.remote or ""
            if call.path != ["health"]:
                authenticate(call, creds, self.config, self.auth)
            response = await self.router.dispatch(call)
        except ParseApiError as exc:
            return _json_response(exc.status, exc.to_json())
        except web.HTTPException:
            raise
        except Exception:
            log.exception("internal error while answering %s %s", request.method, request.path)
            return _json_response(500, {"code": 1, "error": "Internal server error."})
        return _json_response(response.status, response.body, response.headers)


async def run_forever(
    config: ServerConfig, out: IO[str] = sys.stdout, ready: asyncio.Event | None = None
) -> int:
    """``lq serve``: serve until SIGINT/SIGTERM, then shut down cleanly; returns 0."""
    raise_descriptor_limit()
    server = EmbeddedServer(config)
    await server.start()
    try:
        async with stop_signals() as stop:
            print(server.rest_url, file=out, flush=True)
            print(server.live_query_url, file=out, flush=True)
            if ready is not None:
                ready.set()
            await stop.wait()
    finally:
        await server.stop()
    return 0
