"""Record emitter events and wait for them with a deadline (tests never sleep)."""

from __future__ import annotations

import asyncio
from typing import Any

from livequery_cli.client.emitter import EventEmitter

TIMEOUT = 10.0


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, tuple[Any, ...]]] = []
        self._changed = asyncio.Event()

    def listen(self, emitter: EventEmitter, *names: str, prefix: str = "") -> Recorder:
        for name in names:
            emitter.on(name, self._recorder(prefix + name))
        return self

    def _recorder(self, name: str) -> Any:
        def record(*args: Any) -> None:
            self.events.append((name, args))
            self._changed.set()

        return record

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    def args(self, name: str) -> list[tuple[Any, ...]]:
        return [args for event, args in self.events if event == name]

    def count(self, name: str) -> int:
        return len(self.args(name))

    async def wait(self, name: str, count: int = 1, within: float = TIMEOUT) -> tuple[Any, ...]:
        """Wait until ``name`` was seen ``count`` times; return the last arguments."""

        async def reached() -> None:
            while self.count(name) < count:
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(reached(), within)
        except TimeoutError:
            raise AssertionError(
                f"timed out waiting for {count}x {name!r}; saw {self.names()}"
            ) from None
        return self.args(name)[count - 1]
