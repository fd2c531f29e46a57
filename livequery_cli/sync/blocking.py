"""``LiveQueryClient`` and ``Subscription`` for code without asyncio: scripts, notebooks, threads.

Each blocking client owns one ``LoopThread`` and the async client running on
it. A blocking subscription's events are moved by a task on that loop into a
bounded thread-safe queue, so ``recv(timeout=...)`` and ``for event in sub``
block only the calling thread; when the reader falls behind, the queue fills,
the task waits, and the async subscription's own backpressure takes over, so
memory stays bounded. Closing (``close()``, the ``with`` block, or the client's
``close()``) unsubscribes and ends iteration in every thread waiting on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

from livequery_cli.client.live_query_client import LiveQueryClient as AsyncClient
from livequery_cli.client.subscription import Event, Overflow
from livequery_cli.client.subscription import Subscription as AsyncSubscription
from livequery_cli.exceptions import InvalidStateError, LiveQueryError
from livequery_cli.sync.loop_thread import LoopThread

__all__ = ["LiveQueryClient", "Subscription", "connect"]

_END = object()
DEFAULT_OPEN_TIMEOUT_S = 30.0


class Subscription:
    """A subscription read by blocking calls: ``recv(timeout)``, iteration, ``close()``."""

    def __init__(self, sub: AsyncSubscription, runner: LoopThread, max_queue: int) -> None:
        self._sub = sub
        self._runner = runner
        self._events: queue.Queue[object] = queue.Queue(max_queue)
        self._closed = False
        self._pump = asyncio.run_coroutine_threadsafe(self._forward(), runner.loop)

    def __repr__(self) -> str:
        return f"<sync Subscription {self._sub.class_name} {'closed' if self._closed else 'open'}>"

    @property
    def query(self) -> dict[str, Any]:
        """The subscription's LiveQuery query (``className``, ``where``, ...)."""
        return self._sub.query

    async def _forward(self) -> None:
        loop = asyncio.get_running_loop()
        error: BaseException | None = None
        try:
            async for event in self._sub:
                # A blocking put in a worker thread: when the reader is behind, this
                # task waits, and the async subscription applies its own backpressure.
                await loop.run_in_executor(None, self._events.put, event)
        except LiveQueryError as exc:
            error = exc
        finally:
            with contextlib.suppress(queue.Full):
                self._events.put_nowait(error if error is not None else _END)

    def recv(self, timeout: float | None = None) -> Event:
        """The next event; ``TimeoutError`` after ``timeout`` seconds without one.

        Raises the subscription's error (``ServerError``...) if it ended with
        one, and ``InvalidStateError`` once it is closed.
        """
        if self._closed:
            raise InvalidStateError("the subscription is closed")
        try:
            item = self._events.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no event within {timeout} s") from None
        if item is _END or isinstance(item, BaseException):
            self._closed = True
            self._events.put_nowait(item)  # wake any other thread waiting here
            if isinstance(item, BaseException):
                raise item
            raise InvalidStateError("the subscription is closed")
        assert isinstance(item, Event)
        return item

    def __iter__(self) -> Iterator[Event]:
        """Events until the subscription is closed (a clean end stops the loop)."""
        while True:
            try:
                yield self.recv()
            except InvalidStateError:
                return

    def close(self) -> None:
        """Unsubscribe (idempotent); every thread blocked in ``recv`` wakes up."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(LiveQueryError, RuntimeError):
            self._runner.run(self._sub.unsubscribe(), timeout=DEFAULT_OPEN_TIMEOUT_S)
        self._pump.cancel()
        # Drain, so that a forwarder blocked on a full queue finishes its put and
        # its worker thread is free again; then wake every waiting reader.
        with contextlib.suppress(queue.Empty):
            while True:
                self._events.get_nowait()
        with contextlib.suppress(queue.Full):
            self._events.put_nowait(_END)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class LiveQueryClient:
    """``livequery_cli.LiveQueryClient`` behind blocking calls; safe to use from any thread.

    Takes the async client's arguments. ``timeout`` bounds each blocking call
    that waits for the server (``open``, ``subscribe``, ``close``).
    """

    def __init__(self, *args: Any, timeout: float = DEFAULT_OPEN_TIMEOUT_S, **kwargs: Any) -> None:
        self._timeout = timeout
        self._runner = LoopThread()
        try:
            self._client: AsyncClient = self._runner.run(_make(*args, **kwargs))
        except BaseException:
            self._runner.stop()
            raise
        self._subs: list[Subscription] = []
        self._max_queue = int(kwargs.get("max_queue", 1024))

    def __repr__(self) -> str:
        return f"<sync {self._client!r}>"

    def open(self) -> None:
        """Connect; returns once the server answered ``connected``."""
        self._runner.run(self._client.open(), self._timeout)

    def subscribe(
        self, query: Any, session_token: str | None = None, *, overflow: Overflow | None = None
    ) -> Subscription:
        """Subscribe (connecting first if needed); returns once the server confirmed it.

        ``overflow`` is the async subscription's policy when this reader falls
        behind while another subscription of the client keeps up (see
        ``livequery_cli.Subscription``; default ``"error"``).
        """
        sub = self._runner.run(
            self._client.subscribe(query, session_token=session_token, overflow=overflow),
            self._timeout,
        )
        blocking = Subscription(sub, self._runner, self._max_queue)
        self._subs.append(blocking)
        return blocking

    def close(self) -> None:
        """End every subscription, close the socket and stop the loop thread (idempotent)."""
        if not self._runner.loop.is_running():
            return
        for sub in self._subs:
            sub.close()
        with contextlib.suppress(LiveQueryError, TimeoutError):
            self._runner.run(self._client.close(), self._timeout)
        self._runner.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


async def _make(*args: Any, **kwargs: Any) -> AsyncClient:
    """The async client, built on the loop thread (its futures belong to that loop)."""
    return AsyncClient(*args, **kwargs)


def connect(*args: Any, **kwargs: Any) -> LiveQueryClient:
    """A blocking ``LiveQueryClient``, connected: ``with connect(app_id, url) as client:``."""
    client = LiveQueryClient(*args, **kwargs)
    try:
        client.open()
    except BaseException:
        client.close()
        raise
    return client
