"""The life of one LiveQuery WebSocket: handshake, read loop, clean-up.

What a connection holds while it lives is paid once per connected client,
and most clients sit idle, so this loop keeps its footprint small: one
coroutine (no nested read helper, no ``async for``), no writer task (the
connection starts one only when its socket lags, see
:mod:`~livequery_cli.server.live_query`), and aiohttp's HTTP parser released
once the connection speaks WebSocket.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

from aiohttp import WSMsgType, web

from livequery_cli.server.fanout import LiveQueryHub
from livequery_cli.server.live_query import LiveConnection
from livequery_cli.server.ping_sweeper import enroll
from livequery_cli.server.server_config import ServerConfig

__all__ = ["serve_websocket"]

log = logging.getLogger("livequery_cli.server")


async def serve_websocket(
    request: web.Request,
    hub: LiveQueryHub,
    config: ServerConfig,
    live: set[web.WebSocketResponse],
    *,
    connection: type[LiveConnection] = LiveConnection,
    before_frame: Callable[[LiveConnection, str], Awaitable[bool]] | None = None,
) -> web.StreamResponse:
    """Run one LiveQuery connection until the client or the server closes it.

    ``before_frame`` (a cluster node's identity lookups) runs before each text
    frame is handled, in order; when it returns False the frame is not handled.
    """
    # No aiohttp heartbeat and no autoping: pings come from the loop's one sweeper
    # (server.ping_sweeper), and every frame received, pongs included, marks the
    # connection alive. compress=False is also what makes the sweeper's ping safe.
    ws = web.WebSocketResponse(autoping=False, max_msg_size=config.max_frame_bytes, compress=False)
    try:
        await ws.prepare(request)
    except ConnectionError:
        # The client left during the handshake (aiohttp's "Cannot write to closing
        # transport"): a normal event on the internet, not a server error to log with
        # a traceback. The answer below is never sent; aiohttp drops it quietly.
        log.debug("a LiveQuery client left during the WebSocket handshake")
        return web.Response(status=400)
    _forget_http_parser(request)
    live.add(ws)
    conn = connection(ws, hub, config)
    conn.transport = request.transport
    sweeper = enroll(conn, config.ping_interval)
    try:
        # The read loop is inline, with ``receive()`` rather than ``async for``: every
        # nested coroutine is a frame held for the connection's whole life.
        while True:
            msg = await ws.receive()
            conn.heard = True
            kind = msg.type
            if kind == WSMsgType.TEXT:
                try:
                    if before_frame is None or await before_frame(conn, msg.data):
                        conn.handle_text(msg.data)
                except Exception:  # a bug must cost one frame, never the server
                    log.exception("internal error while handling a LiveQuery frame")
                    conn.send_error(1, "Internal server error", reconnect=True)
            elif kind == WSMsgType.PING:
                with contextlib.suppress(ConnectionError):  # the client left meanwhile
                    await ws.pong(msg.data)
            elif kind == WSMsgType.BINARY:
                conn.send_error(1, "Binary frames are not supported", reconnect=True)
            elif kind in _READ_ENDS:
                break
    finally:
        if sweeper is not None:
            sweeper.discard(conn)
        conn.detach()
        live.discard(ws)
        await conn.stop_writer()
    return ws


_READ_ENDS = (WSMsgType.ERROR, WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED)


def _forget_http_parser(request: web.Request) -> None:
    """Drop aiohttp's HTTP parser once the connection speaks WebSocket (~0.8 KB each).

    After the upgrade aiohttp feeds every byte to the WebSocket reader and
    only tests its HTTP parser for ``None`` (it clears it itself when the
    connection is lost), so an idle client need not hold one for its whole life.
    """
    protocol = request.protocol
    if getattr(protocol, "_payload_parser", None) is not None:
        with contextlib.suppress(AttributeError):
            protocol._parser = None
