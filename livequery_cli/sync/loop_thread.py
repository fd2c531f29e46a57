"""``LoopThread``: an asyncio event loop running in a thread of its own.

The synchronous API drives the asyncio client from code that has no event
loop (a script, a thread of a web server, a notebook cell): every call is
handed to this loop with ``asyncio.run_coroutine_threadsafe`` and waited for
with a timeout, so any thread may call, and a call that times out cancels its
coroutine instead of leaving it running.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from livequery_cli.exceptions import InvalidStateError

__all__ = ["LoopThread"]

T = TypeVar("T")


class LoopThread:
    """A daemon thread running one event loop until ``stop()``."""

    def __init__(self, name: str = "livequery-cli") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = threading.Event()
        self._thread.start()
        self._started.wait()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        try:
            self.loop.run_forever()
        finally:
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    @property
    def running(self) -> bool:
        """True until ``stop()``."""
        return self._thread.is_alive() and not self.loop.is_closed()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coroutine`` on the loop; wait for its result (``TimeoutError`` after ``timeout``).

        Calling from the loop's own thread (from a listener, say) would wait
        for itself forever, so it is refused.
        """
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise InvalidStateError("a blocking call cannot be made from the client's own thread")
        if not self.running:
            coroutine.close()
            raise InvalidStateError("the client is closed")
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"no result within {timeout:g} s") from None
        except BaseException:
            future.cancel()  # KeyboardInterrupt in the caller: stop the coroutine too
            raise

    def stop(self) -> None:
        """Stop the loop and wait for the thread (idempotent)."""
        if self._thread.is_alive():
            self.loop.call_soon_threadsafe(self.loop.stop)
            if threading.current_thread() is not self._thread:
                self._thread.join()
