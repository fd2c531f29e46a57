"""A connection whose socket lags: its writer task starts, drains the queue, then ends."""

from __future__ import annotations

import asyncio
from typing import cast

from aiohttp import web
from support.lq_harness import make_config

from livequery_cli.server.fanout import LiveQueryHub
from livequery_cli.server.frame_outbox import FAST_WRITE_BUFFER
from livequery_cli.server.live_query import LiveConnection

WAIT_S = 5.0


class LaggingTransport:
    """A transport whose buffer looks full: frames go through the writer task."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def get_write_buffer_size(self) -> int:
        return FAST_WRITE_BUFFER + 1

    def is_closing(self) -> bool:
        return False


class BrokenWebSocket:
    """A socket that fails on the first frame sent, as one reset by its peer does."""

    closed = False

    def __init__(self) -> None:
        self.attempts = 0
        self.failed = asyncio.Event()

    async def send_str(self, frame: str) -> None:
        self.attempts += 1
        self.failed.set()
        raise ConnectionResetError("Cannot write to closing transport")


async def test_a_socket_that_breaks_while_draining_ends_the_writer_quietly() -> None:
    ws = BrokenWebSocket()
    conn = LiveConnection(
        cast(web.WebSocketResponse, ws), cast(LiveQueryHub, object()), make_config()
    )
    conn.transport = cast(asyncio.Transport, LaggingTransport())
    loop = asyncio.get_running_loop()
    unretrieved: list[dict[str, object]] = []
    loop.set_exception_handler(lambda _loop, context: unretrieved.append(context))
    try:
        conn.send("a")
        conn.send("b")
        await asyncio.wait_for(ws.failed.wait(), WAIT_S)
        writer = conn._writer
        if writer is not None:
            await asyncio.wait_for(asyncio.gather(writer, return_exceptions=True), WAIT_S)
            assert writer.exception() is None  # nothing left for "never retrieved"
        conn.send("c")  # the connection is ending: nothing more is queued or sent
        await conn.stop_writer()
        assert ws.attempts == 1
        assert conn._writer is None
    finally:
        loop.set_exception_handler(None)
    assert unretrieved == []
