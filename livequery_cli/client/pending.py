"""The callers waiting on the server: one future per outstanding request.

``LiveQueryClient`` resolves these from the frames its runner receives, and
rejects them all at once when the connection ends, so no caller of
``subscribe``/``update``/``unsubscribe`` can wait on a request that will never
be answered.
"""

from __future__ import annotations

import asyncio

__all__ = ["PendingRequests", "reject", "resolve", "retrieve_exception"]


def resolve(waiter: asyncio.Future[None] | None) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_result(None)


def reject(waiter: asyncio.Future[None] | None, error: BaseException) -> None:
    if waiter is not None and not waiter.done():
        waiter.set_exception(error)


def retrieve_exception(future: asyncio.Future[None]) -> None:
    """Done-callback for futures nobody may await: no "exception never retrieved"."""
    if not future.cancelled():
        future.exception()


class PendingRequests:
    """Futures for ``subscribe`` (by request id), ``update`` (by query version), ``unsubscribe``."""

    def __init__(self) -> None:
        self._subscribes: dict[int, asyncio.Future[None]] = {}
        self._updates: dict[int, list[tuple[int, asyncio.Future[None]]]] = {}
        self._unsubscribes: dict[int, asyncio.Future[None]] = {}

    def subscribe(self, request_id: int) -> asyncio.Future[None]:
        waiter = self._new()
        self._subscribes[request_id] = waiter
        return waiter

    def update(self, request_id: int, version: int) -> asyncio.Future[None]:
        waiter = self._new()
        self._updates.setdefault(request_id, []).append((version, waiter))
        return waiter

    def unsubscribe(self, request_id: int) -> asyncio.Future[None]:
        waiter = self._unsubscribes.get(request_id)
        if waiter is None:
            waiter = self._unsubscribes[request_id] = self._new()
        return waiter

    def subscribed(self, request_id: int, query_version: int, *, first: bool) -> None:
        """The server runs ``query_version`` of the subscription's query."""
        waiters = self._updates.get(request_id, [])
        for entry in [w for w in waiters if w[0] <= query_version]:
            waiters.remove(entry)
            resolve(entry[1])
        if first:
            resolve(self._subscribes.pop(request_id, None))

    def fail_subscribe(self, request_id: int, error: BaseException) -> bool:
        """Reject a ``subscribe`` still waiting; False if there was none."""
        waiter = self._subscribes.pop(request_id, None)
        if waiter is None or waiter.done():
            return False
        waiter.set_exception(error)
        return True

    def finished(self, request_id: int, error: BaseException) -> None:
        """The subscription is gone: unsubscribes succeed, everything else fails."""
        reject(self._subscribes.pop(request_id, None), error)
        for _, waiter in self._updates.pop(request_id, []):
            reject(waiter, error)
        resolve(self._unsubscribes.pop(request_id, None))

    def has_waiters(self) -> bool:
        """Whether a ``subscribe`` or ``update`` caller is waiting for an answer."""
        return bool(self._subscribes) or any(self._updates.values())

    def fail_all(self, error: BaseException) -> None:
        for request_id in {*self._subscribes, *self._updates, *self._unsubscribes}:
            self.finished(request_id, error)

    @staticmethod
    def _new() -> asyncio.Future[None]:
        # The caller may be gone (cancelled by Ctrl-C or SIGTERM) by the time
        # the connection ends and rejects its request: mark the exception as
        # seen so asyncio does not log "Future exception was never retrieved".
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter.add_done_callback(retrieve_exception)
        return waiter
