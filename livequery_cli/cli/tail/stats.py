"""``--stats``: event rates by type, reconnects and resyncs, on stderr.

A line every interval and one at exit::

    lq: stats: 1520.3 events/s (update 1500.1/s, create 20.2/s), 1 reconnect, 1 resync

Counting is one dict increment per printed record, and only when ``--stats``
is on.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import IO

__all__ = ["TailStats"]


class TailStats:
    """Counts printed records by op, reconnects and resyncs; reports them on ``stream``."""

    def __init__(
        self,
        stream: IO[str],
        *,
        interval: float | None = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._interval = interval
        self._clock = clock
        self._counts: dict[str, int] = {}
        self._window: dict[str, int] = {}
        self.reconnects = 0
        self.resyncs = 0
        self._started = clock()
        self._window_start = self._started
        self._timer: asyncio.TimerHandle | None = None

    def count(self, op: str) -> None:
        window = self._window
        window[op] = window.get(op, 0) + 1

    def start(self) -> None:
        """Report every ``interval`` seconds on the running loop."""
        if self._interval:
            self._timer = asyncio.get_running_loop().call_later(self._interval, self._tick)

    def _tick(self) -> None:
        self.report(window=True)
        self.start()

    def stop(self) -> None:
        """Cancel the timer and print the totals for the whole run."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.report(window=False)

    def report(self, *, window: bool) -> None:
        now = self._clock()
        for op, n in self._window.items():
            self._counts[op] = self._counts.get(op, 0) + n
        if window:
            counts, since = self._window, self._window_start
            label = "stats"
        else:
            counts, since = self._counts, self._started
            label = "stats (total)"
        self._window = {}
        self._window_start = now
        elapsed = max(now - since, 1e-9)
        total = sum(counts.values())
        rates = ", ".join(
            f"{op} {n / elapsed:.1f}/s"
            for op, n in sorted(counts.items(), key=lambda item: -item[1])
        )
        line = f"lq: {label}: {total / elapsed:.1f} events/s"
        if rates:
            line += f" ({rates})"
        line += f", {_plural(total, 'event')}, {_plural(self.reconnects, 'reconnect')}"
        line += f", {_plural(self.resyncs, 'resync')}"
        try:
            self._stream.write(line + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            pass


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"
