"""``lq serve --parse-server``: one LiveQuery node of a Parse Server cluster.

The node serves LiveQuery only (no REST, no database). Events come from
Redis, exactly as Parse Server publishes them (:mod:`.redis_feed`);
identities and permissions come from the Parse Server over REST
(:mod:`.parse_identity`, :class:`.cluster_hub.ClassPermissions`); clients are
served by the embedded server's LiveQuery side with Parse's class-level rules
added (:mod:`.cluster_hub`, :mod:`.cluster_connection`).

Faults, and what clients see:

- Redis down: events are lost, so once it is back every client is closed with
  1012 ("service restart") and reconnects and resyncs; the gap is logged.
- Parse Server down: identities and permissions that cannot be confirmed
  grant nothing (events withheld, subscriptions refused with code 100); once
  it answers again, the clients that missed events are closed with 1012.

``GET /health`` answers the node's counters as JSON (no secrets).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import TextIO

import orjson
from aiohttp import hdrs, web

from livequery_cli.server.cluster.cluster_connection import ClusterConnection, prefetch
from livequery_cli.server.cluster.cluster_hub import UNAVAILABLE, ClassPermissions, ClusterHub
from livequery_cli.server.cluster.parse_identity import DEFAULT_CACHE_TIMEOUT_S, ParseIdentity
from livequery_cli.server.cluster.parse_messages import (
    AFTER_DELETE,
    ClearCache,
    ObjectChange,
)
from livequery_cli.server.cluster.parse_rest import ParseRest, ParseUnavailable
from livequery_cli.server.cluster.redis_feed import RedisFeed
from livequery_cli.server.live_socket import serve_websocket
from livequery_cli.server.origin_guard import OriginGuard
from livequery_cli.server.server_config import ServerConfig
from livequery_cli.server.stop_signals import stop_signals

log = logging.getLogger("livequery_cli.server.cluster")

SERVICE_RESTART = 1012
CLOSE_GRACE_SECONDS = 3.0


@dataclass(frozen=True)
class NodeSettings:
    """What a cluster node adds to :class:`ServerConfig`."""

    parse_server_url: str
    redis_url: str
    cache_timeout: float = DEFAULT_CACHE_TIMEOUT_S


class ClusterNode:
    """The node's pieces and their lifetime: feed, identity cache, hub, WebSocket server."""

    def __init__(self, config: ServerConfig, settings: NodeSettings) -> None:
        self.config = config
        self.settings = settings
        self.rest = ParseRest(settings.parse_server_url, config.app_id, config.master_key)
        self.identity = ParseIdentity(self.rest, cache_timeout=settings.cache_timeout)
        self.perms = ClassPermissions(self.rest, settings.cache_timeout)
        self.hub = ClusterHub(self.identity, self.perms)
        self.feed = RedisFeed(settings.redis_url, config.app_id, self._on_message, self._on_gap)
        self.port: int | None = None
        self.restarts_sent = 0
        self._sockets: set[web.WebSocketResponse] = set()
        self._per_address: dict[str, int] = {}
        self.origin_guard = OriginGuard(config.host, config.allow_origins)
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def live_query_url(self) -> str:
        return self.config.live_query_url(self.port)

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.config.port
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self.feed.run()), loop.create_task(self._maintain())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._close_all(1001, b"server shutting down")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.rest.close()

    async def _close_all(self, code: int, message: bytes) -> None:
        closing = [
            asyncio.ensure_future(ws.close(code=code, message=message))
            for ws in list(self._sockets)
        ]
        if closing:
            _, pending = await asyncio.wait(closing, timeout=CLOSE_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*closing, return_exceptions=True)

    # -- HTTP ------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        refusal = self.origin_guard.refusal(
            request.headers.get(hdrs.HOST), request.headers.get(hdrs.ORIGIN)
        )
        if refusal is not None:  # the same Host / Origin rules as lq serve
            return web.Response(
                status=403, body=orjson.dumps({"error": refusal}), content_type="application/json"
            )
        if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
            return await self._live_query(request)
        if request.method == "GET" and request.path.rstrip("/").endswith("/health"):
            return web.Response(body=orjson.dumps(self.health()), content_type="application/json")
        body = {"error": "this node serves LiveQuery only (WebSocket); REST is the Parse Server's"}
        return web.Response(status=404, body=orjson.dumps(body), content_type="application/json")

    async def _live_query(self, request: web.Request) -> web.StreamResponse:
        """A LiveQuery connection, unless its address already holds too many (as ``lq serve``)."""
        address = request.remote or ""
        held = self._per_address.get(address, 0)
        if held >= self.config.max_connections_per_address:
            body = orjson.dumps({"error": "too many connections from this address"})
            return web.Response(status=429, body=body, content_type="application/json")
        self._per_address[address] = held + 1
        try:
            return await serve_websocket(
                request,
                self.hub,
                self.config,
                self._sockets,
                connection=ClusterConnection,
                before_frame=prefetch,
            )
        finally:
            left = self._per_address[address] - 1
            if left:
                self._per_address[address] = left
            else:
                del self._per_address[address]

    def health(self) -> dict[str, object]:
        stats = self.feed.stats
        return {
            "status": "ok" if stats.connected else "redis unreachable",
            "redis": stats.connected,
            "clients": len(self._sockets),
            "messages": stats.messages,
            "malformed": stats.malformed,
            "handlerErrors": stats.handler_errors,
            "redisOutages": stats.outages,
            "lastGapSeconds": stats.last_gap_seconds,
            "eventsSent": self.hub.events_sent,
            "eventsWithheld": self.hub.events_withheld,
            "parseFailures": self.identity.failures,
            "restartsSent": self.restarts_sent,
        }

    # -- events from Redis -------------------------------------------------------

    async def _on_message(self, message: ObjectChange | ClearCache) -> None:
        if isinstance(message, ClearCache):
            await self.identity.refresh(self._tokens_in_use())
            return
        change = message
        clp = change.clp
        if clp is not None:
            self.perms.remember(change.class_name, clp)
        else:
            try:
                clp = await self.perms.get(change.class_name)
            except ParseUnavailable:
                clp = UNAVAILABLE
        if change.kind == AFTER_DELETE:
            self.hub.publish_delete(change.class_name, change.current, clp)
        else:
            self.hub.publish_save(change.class_name, change.original, change.current, clp)
        if change.class_name == "_Session" and change.kind == AFTER_DELETE:
            token = change.current.get("sessionToken")
            if isinstance(token, str) and token:
                self.identity.revoke(token)
        elif change.class_name == "_User" and change.kind == AFTER_DELETE:
            self.identity.user_deleted(change.current["objectId"])
        elif change.class_name == "_Role":
            await self.identity.refresh(self._tokens_in_use())

    async def _on_gap(self, gap: float) -> None:
        if self._sockets:
            log.warning("closing %d client(s) with 1012 after the Redis gap", len(self._sockets))
        self.restarts_sent += len(self._sockets)
        await self._close_all(SERVICE_RESTART, b"service restart: events were lost")

    # -- keeping identities fresh, and recovering from Parse outages --------------

    def _tokens_in_use(self) -> set[str]:
        tokens: set[str] = set()
        for sink in self.hub.sinks:
            if sink.session_token:
                tokens.add(sink.session_token)
        for group in self.hub.groups.values():
            for sub in group.subscribers.values():
                if sub.session_token:
                    tokens.add(sub.session_token)
        return tokens

    async def _maintain(self) -> None:
        period = max(self.settings.cache_timeout / 4, 0.05)
        while True:
            await asyncio.sleep(period)
            try:
                in_use = self._tokens_in_use()
                self.identity.forget_unused(in_use)
                await self.identity.refresh(in_use, max_age=self.settings.cache_timeout / 2)
                await self._recover()
            except Exception:
                log.exception("error while refreshing identities")

    async def _recover(self) -> None:
        """Close (1012) the clients that missed events, once what they lacked is known again."""
        for sink in list(self.hub.withheld):
            if not isinstance(sink, ClusterConnection) or sink.client_id is None:
                self.hub.withheld.discard(sink)
                continue
            subs = list(sink.subscriptions.values())
            tokens = {sink.session_token, *(sub.session_token for sub in subs)}
            if any(self.identity.is_unknown(t) for t in tokens):
                continue
            try:
                for class_name in {sub.group.class_name for sub in subs}:
                    await self.perms.get(class_name)
            except ParseUnavailable:
                continue
            self.hub.withheld.discard(sink)
            self.restarts_sent += 1
            log.warning("closing a client with 1012: it missed events while Parse was unreachable")
            await sink.ws.close(code=SERVICE_RESTART, message=b"service restart: events withheld")


async def run_forever(
    config: ServerConfig,
    settings: NodeSettings,
    out: TextIO = sys.stdout,
    ready: asyncio.Event | None = None,
) -> int:
    """Serve until SIGINT/SIGTERM; prints the LiveQuery URL once listening. Returns 0."""
    node = ClusterNode(config, settings)
    await node.start()
    try:
        async with stop_signals() as stop:
            print(node.live_query_url, file=out, flush=True)
            if ready is not None:
                ready.set()
            await stop.wait()
    finally:
        await node.stop()
    return 0
