"""One asyncio event loop in a daemon thread, for calling the async client from plain code.

The synchronous API does not re-implement the protocol: it runs the same
``LiveQueryClient`` on a private loop and waits for its coroutines from the
caller's thread (``run``), the way ``websockets.sync`` and ``httpx`` keep one
implementation behind two faces. Any thread may call ``run``; the loop
serialises the work, so the client stays single-threaded inside.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")


class LoopThread:
    """Start a loop in a daemon thread; ``run(coro, timeout)`` waits for a coroutine on it."""

    def __init__(self, name: str = "livequery-sync") -> None:
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name=name, daemon=True)
        self._thread.start()
        ready.wait()

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(ready.set)
        try:
            self.loop.run_forever()
        finally:
            self.loop.close()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """The result of ``coro`` run on the loop; ``TimeoutError`` (and the coroutine
        cancelled) after ``timeout`` seconds."""
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("the synchronous API cannot be called from its own event loop")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no result within {timeout} s") from None

    def stop(self) -> None:
        """Stop the loop and wait for the thread (idempotent)."""
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join()
