"""Outgoing LiveQuery frames, written once per event-loop pass with one ``write`` per client.

A broadcast to N clients used to wake N writer tasks, and each wrote each
frame with its own ``send()`` system call: in a 1,000-client fan-out, 70% of
the server's CPU went to those calls and task switches. Instead, a
connection that queues a frame marks itself *dirty* here; once per pass of
the event loop (``call_soon``, so after everything already runnable, the
fan-out of the writes in flight included) every dirty connection's queued
frames are framed (RFC 6455 text frames, unmasked as a server sends them)
and handed to its transport in one ``write``. Frames that pile up while the
loop is busy thus leave in one system call per client, not one per frame,
and an idle server still sends each frame at once. Under a heavy fan-out the
next flush starts no sooner than the previous one took after it ended
(``COALESCE_AFTER_S``), so the writes that arrive meanwhile share its system
calls.

Only a connection whose socket keeps up is written this way: the
:class:`Flushable` decides, per flush, whether its transport's buffer is
small enough, and otherwise drains its queue through its own writer task,
which waits for the socket (and where the queue limits close a client that
does not read).
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
import weakref
from collections.abc import Iterable
from typing import Protocol

__all__ = ["Flushable", "FrameFlusher", "encode_text_frames", "flusher_for_running_loop"]

log = logging.getLogger("livequery_cli.server")

# After a flush that took this long (a broadcast to hundreds of sockets) the next one starts
# no sooner than as long again after it ended (at most MAX_DELAY_S): the frames of the writes
# handled meanwhile then leave together, one system call per client for several events. After
# cheaper flushes (a few clients, an idle server), and once that time has passed anyway, the
# next pass flushes at once: no added latency.
COALESCE_AFTER_S = 0.001
MAX_DELAY_S = 0.005

_TEXT_FIN = 0x81
_HEAD_16 = struct.Struct("!BBH").pack
_HEAD_64 = struct.Struct("!BBQ").pack


def encode_text_frames(frames: Iterable[str]) -> bytes:
    """``frames`` as consecutive unmasked, unfragmented WebSocket text frames."""
    parts: list[bytes] = []
    append = parts.append
    for frame in frames:
        payload = frame.encode()
        size = len(payload)
        if size < 126:
            append(bytes((_TEXT_FIN, size)))
        elif size < 65536:
            append(_HEAD_16(_TEXT_FIN, 126, size))
        else:
            append(_HEAD_64(_TEXT_FIN, 127, size))
        append(payload)
    return b"".join(parts)


class Flushable(Protocol):
    """A connection whose queued frames the flusher writes out."""

    def flush(self) -> None:
        """Write out (or hand to the writer task) everything queued; called once per pass."""


class FrameFlusher:
    """The dirty connections of one event loop, flushed together on its next pass."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._dirty: list[Flushable] = []
        self._delay = 0.0
        self._last_end = 0.0
        self.flushes = 0  # passes that wrote something: a figure for tests and profiles

    def mark(self, connection: Flushable) -> None:
        """Flush ``connection`` on the next pass (the caller marks each one once per pass)."""
        if not self._dirty:
            wait = self._last_end + self._delay - time.perf_counter() if self._delay else 0.0
            if wait > 0:
                self._loop.call_later(wait, self._flush)
            else:
                self._loop.call_soon(self._flush)
        self._dirty.append(connection)

    def _flush(self) -> None:
        started = time.perf_counter()
        dirty, self._dirty = self._dirty, []
        self.flushes += 1
        for connection in dirty:
            try:
                connection.flush()
            except Exception:  # one broken socket must not keep frames from the others
                log.exception("internal error while writing LiveQuery frames")
        self._last_end = time.perf_counter()
        took = self._last_end - started
        self._delay = min(took, MAX_DELAY_S) if took >= COALESCE_AFTER_S else 0.0


_FLUSHERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FrameFlusher] = (
    weakref.WeakKeyDictionary()
)


def flusher_for_running_loop() -> FrameFlusher:
    """The running loop's flusher (one per loop: tests run several servers in one process)."""
    loop = asyncio.get_running_loop()
    flusher = _FLUSHERS.get(loop)
    if flusher is None:
        flusher = _FLUSHERS[loop] = FrameFlusher(loop)
    return flusher
