"""An in-process cluster for tests: ``lq serve --redis-url`` publishing, a node consuming.

The embedded server plays the Parse Server (REST for identities, roles and
schemas; Parse's message format on Redis), so these tests need only
redis-server. :class:`CuttableProxy` sits between the node and that REST API
to simulate "Parse Server unreachable" while Redis keeps delivering events.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from typing import Any

import orjson
from support.redis import RedisServer
from websockets.asyncio.client import ClientConnection

from livequery_cli.server.cluster.node import ClusterNode, NodeSettings
from livequery_cli.server.server_config import ServerConfig

WAIT_S = 10.0


def shut_down_redis(redis: RedisServer) -> None:
    """SIGTERM (Redis's clean shutdown), keeping its directory and port for a restart.

    Parse Server 9.10 itself can die of a SIGKILLed Redis ("uncaught exception:
    read ECONNRESET" in its publisher) when writes are in flight, so tests with
    Parse Server's publisher use a clean shutdown; the node's own tests SIGKILL.
    """
    process = redis._process
    assert process is not None
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=10)


def restart_redis(redis: RedisServer) -> None:
    """Start a killed Redis again on the same port (clients reconnect to the same URL)."""
    redis._log_path.write_bytes(b"")  # the readiness check reads this log
    redis._start_once()


async def wait_for(condition: Callable[[], bool], what: str, limit_s: float = WAIT_S) -> None:
    """Poll a cheap in-process condition until it holds (no fixed sleeps)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def recv(ws: ClientConnection, limit_s: float = WAIT_S) -> dict[str, Any]:
    frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), limit_s))
    return frame


async def start_node(
    config: ServerConfig,
    parse_url: str,
    redis_url: str,
    cache_timeout: float = 30.0,
    **limits: int,
) -> ClusterNode:
    node = ClusterNode(
        ServerConfig(
            port=0,
            db=":memory:",
            app_id=config.app_id,
            master_key=config.master_key,
            js_key=config.js_key,
            **limits,  # type: ignore[arg-type]
        ),
        NodeSettings(parse_url, redis_url, cache_timeout),
    )
    await node.start()
    await asyncio.wait_for(node.feed.subscribed.wait(), WAIT_S)
    return node


class CuttableProxy:
    """A TCP proxy to ``target``; while cut, it accepts and drops every connection."""

    def __init__(self, target_port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.target_port = target_port
        self.cut = False
        self.port = 0
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()

    async def start(self) -> CuttableProxy:
        self._server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def set_cut(self, cut: bool) -> None:
        self.cut = cut
        if cut:
            for writer in list(self._open):
                writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.target_port)
        except OSError:
            writer.close()
            return
        self._open |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.IncompleteReadError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
        self._open -= {writer, up_writer}

    async def close(self) -> None:
        self.set_cut(True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
