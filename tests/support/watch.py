"""Record a client's and a subscription's events and wait for them with deadlines.

Fault tests measure *how long* detection takes and *how many* reconnect
attempts happen, so every record carries its ``time.monotonic()`` stamp.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from livequery_cli.client.emitter import EventEmitter

WAIT_S = 15.0


class Watch:
    """``Watch().listen(client, "open", "close")``; ``await watch.wait("close")``."""

    def __init__(self) -> None:
        self.records: list[tuple[str, float, tuple[Any, ...]]] = []
        self._changed = asyncio.Event()

    def listen(self, emitter: EventEmitter, *names: str, prefix: str = "") -> Watch:
        for name in names:
            emitter.on(name, self._recorder(prefix + name))
        return self

    def _recorder(self, name: str) -> Callable[..., None]:
        def record(*args: Any) -> None:
            self.records.append((name, time.monotonic(), args))
            self._changed.set()

        return record

    def count(self, name: str, since: float = 0.0) -> int:
        return sum(1 for event, at, _ in self.records if event == name and at >= since)

    def args(self, name: str) -> list[tuple[Any, ...]]:
        return [args for event, _, args in self.records if event == name]

    def names(self) -> list[str]:
        return [event for event, _, _ in self.records]

    async def wait(self, name: str, count: int = 1, within: float = WAIT_S) -> float:
        """Wait until ``name`` was seen ``count`` times in all; return when the last was."""

        async def reached() -> None:
            while self.count(name) < count:
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(reached(), within)
        except TimeoutError:
            raise AssertionError(
                f"no {count}x {name!r} within {within} s; saw {self.names()}"
            ) from None
        return [at for event, at, _ in self.records if event == name][count - 1]

    async def wait_for(
        self, predicate: Callable[[], bool], what: str, within: float = WAIT_S
    ) -> None:
        async def reached() -> None:
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(reached(), within)
        except TimeoutError:
            raise AssertionError(f"not {what} within {within} s; saw {self.names()}") from None
