"""The outgoing side of a LiveQuery connection: a bounded queue, written without waiting.

The fan-out must never wait on a socket: one slow reader would hold back
every other client of the same write. So ``send`` only queues; the queued
frames of a connection leave in one transport write per event-loop pass
(``frame_flusher``), and only a socket whose buffer is already full gets a
writer task that waits for it, frame by frame. A client that lets the queue
overflow, in frames or in bytes, is disconnected (close code 1008) rather than
growing the server's memory without bound: frames of big objects would
otherwise let one reader that stopped hold hundreds of megabytes.

An idle connection is the common case (thousands per server), so nothing
here exists until it is needed: no queue while nothing is queued, and no
writer task until the socket lags (a task, its coroutine and its wake-up
cost ~2 KB per connection that almost never uses them).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from aiohttp import web

from livequery_cli.server.frame_flusher import encode_text_frames, flusher_for_running_loop
from livequery_cli.server.ping_sweeper import SweptSocket
from livequery_cli.server.server_config import ServerConfig

__all__ = ["FAST_WRITE_BUFFER", "FrameOutbox"]

log = logging.getLogger("livequery_cli.server")

FAST_WRITE_BUFFER = 64 << 10
"""Above this many unsent bytes in a socket's buffer, frames wait for the writer task."""


class FrameOutbox(SweptSocket):
    """A connection's queue of text frames and how they reach its socket."""

    __slots__ = (
        "_closing",
        "_draining",
        "_marked",
        "_outbox",
        "_outbox_chars",
        "_writer",
        "config",
    )

    def __init__(self, ws: web.WebSocketResponse, config: ServerConfig) -> None:
        super().__init__(ws)
        self.config = config
        self._outbox: deque[str] | None = None  # None while nothing is queued
        self._outbox_chars = 0
        self._writer: asyncio.Task[None] | None = None  # only while the socket lags
        self._closing = False
        self._marked = False  # waiting for the flusher's next pass
        self._draining = False  # the writer task owns the queue until the socket catches up

    def send(self, frame: str) -> None:
        if self._closing:
            return
        config = self.config
        outbox = self._outbox
        if outbox is None:
            outbox = self._outbox = deque()
        if (
            len(outbox) >= config.queue_limit
            or self._outbox_chars + len(frame) > config.queue_bytes_limit
        ):
            self._closing = True
            outbox.clear()
            self._outbox_chars = 0
            asyncio.get_running_loop().create_task(
                self.ws.close(code=1008, message=b"client too slow: outgoing queue full")
            )
            return
        outbox.append(frame)
        self._outbox_chars += len(frame)  # characters: a str holds 1 to 4 bytes each
        if self._draining:
            return  # the writer task is running and takes it from the queue
        if self.transport is None:
            self._start_writer()
        elif not self._marked:
            self._marked = True
            flusher_for_running_loop().mark(self)

    def flush(self) -> None:
        """Write every queued frame in one transport write, or leave them to the writer task.

        The writer task takes over while the socket's buffer is above
        ``FAST_WRITE_BUFFER`` (a client that reads slowly): it waits for the
        socket to drain, frame by frame, and the queue limits apply.
        """
        self._marked = False
        transport = self.transport
        if self._closing or self._draining or not self._outbox or transport is None:
            return
        if self.ws.closed or transport.is_closing():
            return
        if transport.get_write_buffer_size() > FAST_WRITE_BUFFER:
            self._start_writer()
            return
        frames = self._outbox
        self._outbox = None
        self._outbox_chars = 0
        transport.write(encode_text_frames(frames))

    def _start_writer(self) -> None:
        """Hand the queue to a writer task, which waits for the socket frame by frame."""
        self._draining = True
        self._writer = asyncio.get_running_loop().create_task(self._drain())

    async def _drain(self) -> None:
        """Send the queued frames (those queued meanwhile included), then end.

        No ``await`` between the last emptiness check and ``_draining =
        False``, so a frame is never left in the queue with nobody to send it.
        """
        try:
            outbox = self._outbox
            while outbox:
                frame = outbox.popleft()
                self._outbox_chars -= len(frame)
                await self.ws.send_str(frame)
                outbox = self._outbox
        except Exception:  # the socket broke (its reader ends the connection): send no more
            log.debug("a LiveQuery socket failed while its queue drained", exc_info=True)
            self._closing = True
            self._outbox = None
            self._outbox_chars = 0
        finally:
            self._draining = False
            self._writer = None

    async def stop_writer(self) -> None:
        """Cancel the writer task, if one is running (the connection ended)."""
        writer = self._writer
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer
