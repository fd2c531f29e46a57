"""Getting rendered event lines to stdout: immediately, yet in large writes.

The rule is "flush when no further event is already waiting". Events arrive
from the socket reader, which handles every frame already received without
yielding to the event loop; the first line written after a flush schedules
one flush with ``loop.call_soon``, which therefore runs right after the
current burst has been rendered. A lone event reaches the pipe within the same
loop iteration (no timer, no stuck buffer); a burst of thousands becomes a few
large ``write`` calls.

The write itself is blocking on purpose: when the reader of the pipe is slow,
the loop stops reading the socket, TCP pushes back on the server, and memory
stays bounded. ``high_water`` caps what is held between flushes.
``blocked_for()`` tells a signal handler how long the loop has been stuck in
such a write (see ``TailRunner``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import IO


class EventWriter:
    """Buffers rendered lines for ``stream`` and flushes them per loop iteration."""

    def __init__(
        self,
        stream: IO[bytes],
        *,
        on_error: Callable[[BaseException], None],
        high_water: int = 1 << 18,
    ) -> None:
        self._stream = stream
        self._on_error = on_error
        self._high_water = high_water
        self._chunks: list[bytes] = []
        self._pending = 0
        self._scheduled = False
        self._failed = False
        self._writing_since: float | None = None

    def blocked_for(self) -> float:
        """Seconds the write in progress has lasted (0 when none is)."""
        since = self._writing_since
        return 0.0 if since is None else time.monotonic() - since

    @property
    def failed(self) -> bool:
        """True once a write failed (for example the reader closed the pipe)."""
        return self._failed

    def write(self, data: bytes) -> None:
        if self._failed:
            return
        if data:  # a renderer that prints nothing (lq watch's table) keeps no chunk
            self._chunks.append(data)
            self._pending += len(data)
            if self._pending >= self._high_water:
                self.flush()
                return
        if not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:  # no loop (synchronous use): write through
                self.flush()

    def flush(self) -> None:
        """Write everything buffered; report a failure once through ``on_error``."""
        self._scheduled = False
        if self._failed:
            return
        chunks = self._chunks
        if chunks:
            data = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            chunks.clear()
            self._pending = 0
        else:
            data = b""
        self._writing_since = time.monotonic()
        try:
            if data:
                self._stream.write(data)
            self._stream.flush()
        except (OSError, ValueError) as exc:
            self._failed = True
            self._chunks.clear()
            self._on_error(exc)
        finally:
            self._writing_since = None
