"""``Subscription``: one live query, as an event emitter and an async iterator.

Events: ``open`` (the server confirmed the subscription; again after every
resubscribe and after an ``update``), ``create``/``delete`` ``(object)``,
``update``/``enter``/``leave`` ``(object, original)``, ``close`` (events stop:
the socket was lost, or the subscription ended), ``error`` ``(exception)``.

The async iterator yields the object events as ``Event(op, object,
original)`` records and ends when the subscription ends (``unsubscribe()``,
the client's ``close()``); it raises the error that ended it otherwise (a
``ServerError`` for the subscription, ``ConnectionFailedError`` when the
client gave up reconnecting). A socket loss followed by a reconnect does not
end it.

``next_batch()`` / ``batches()`` take every buffered event at once: the
client delivers all the frames of one network read before a consumer runs, so
a burst becomes one list, and a consumer pays its wake-up (and its output
flush) once per read rather than once per event.

Backpressure: the iterator's buffer holds at most ``max_queue`` events. When
it is full the client stops reading the socket until the consumer catches up,
so a slow consumer slows the connection down instead of growing memory or
losing events. (All subscriptions of a client share the socket, so one slow
consumer holds back the others; a consumer that stalls for longer than the
keepalive timeout gets disconnected and resubscribed like any dead peer.) A
subscription used only through listeners never iterates: if its buffer fills
before iteration starts, buffering is switched off for it, and a late attempt
to iterate raises ``InvalidStateError`` instead of silently missing events.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, NamedTuple

from livequery_cli.client.emitter import EventEmitter
from livequery_cli.exceptions import InvalidStateError, LiveQueryError
from livequery_cli.protocol.frames import ObjectOp

if TYPE_CHECKING:
    from livequery_cli.client.live_query_client import LiveQueryClient

__all__ = ["SUBSCRIPTION_EVENTS", "Event", "Subscription"]

logger = logging.getLogger("livequery_cli")

SUBSCRIPTION_EVENTS = ("open", "create", "update", "enter", "leave", "delete", "close", "error")


class Event(NamedTuple):
    """An object event: ``original`` is None for ``create`` and ``delete``.

    A named tuple (immutable, compared by value) because one is made per event
    and a tuple costs a fraction of a frozen dataclass.
    """

    op: ObjectOp
    object: dict[str, Any]
    original: dict[str, Any] | None = None


class Subscription(EventEmitter):
    """A subscription made by ``LiveQueryClient.subscribe`` (never built directly)."""

    def __init__(
        self,
        client: LiveQueryClient,
        request_id: int,
        query: dict[str, Any],
        session_token: str | None,
        *,
        max_queue: int = 1024,
    ) -> None:
        super().__init__(SUBSCRIPTION_EVENTS)
        self._client = client
        self.request_id = request_id
        self._query = query
        self._session_token = session_token
        self._max_queue = max(1, max_queue)
        self._items: deque[Event] = deque()
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self._iterating = False
        self._buffering = True
        self._open = False
        self._closed = False
        self._error: LiveQueryError | None = None
        self._ended = asyncio.Event()

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open" if self._open else "pending"
        return f"<Subscription {self.request_id} {self.class_name!r} {state}>"

    # --- public API ----------------------------------------------------------

    @property
    def query(self) -> dict[str, Any]:
        """The subscription's current query: ``{className, where, keys?, watch?}``."""
        return self._query

    @property
    def class_name(self) -> str:
        return str(self._query.get("className", ""))

    @property
    def is_open(self) -> bool:
        """True while the server has the subscription live on the current socket."""
        return self._open

    @property
    def closed(self) -> bool:
        """True once the subscription has ended for good."""
        return self._closed

    @property
    def error(self) -> LiveQueryError | None:
        """The error that ended the subscription, if an error did."""
        return self._error

    async def unsubscribe(self) -> None:
        """Stop the subscription: ``close`` is emitted at once, no event follows."""
        await self._client.unsubscribe(self)

    async def update(self, query: Any) -> None:
        """Replace the query (the protocol's ``update`` op); resolves once it is live."""
        await self._client.update(self, query)

    async def wait_closed(self) -> None:
        """Wait until the subscription ends; raise the error that ended it, if any."""
        await self._ended.wait()
        if self._error is not None:
            raise self._error

    def __aiter__(self) -> Subscription:
        self._iterating = True
        return self

    async def __anext__(self) -> Event:
        self._iterating = True
        items = self._items
        if not items and not await self._wait_items():  # the check skips a coroutine
            raise StopAsyncIteration
        event = items.popleft()
        self._writable.set()
        return event

    async def next_batch(self) -> list[Event]:
        """Every buffered event at once (at least one), oldest first.

        The events of one network read arrive together, so a consumer that
        takes them as a list pays the wake-up once per read instead of once
        per event, and can write all their output before one flush. Raises
        ``StopAsyncIteration`` when the subscription has ended, or the error
        that ended it, exactly like ``__anext__``.
        """
        if not await self._wait_items():
            raise StopAsyncIteration
        batch = list(self._items)
        self._items.clear()
        self._writable.set()
        return batch

    def batches(self) -> AsyncIterator[list[Event]]:
        """``async for batch in sub.batches()``: ``next_batch()`` until the end."""
        self._iterating = True
        return self._batches()

    async def _batches(self) -> AsyncIterator[list[Event]]:
        while await self._wait_items():
            batch = list(self._items)
            self._items.clear()
            self._writable.set()
            yield batch

    async def _wait_items(self) -> bool:
        """Wait until events are buffered: False once the subscription ended cleanly."""
        self._iterating = True
        if not self._buffering:
            raise InvalidStateError(
                "events were not kept: the buffer filled before iteration started"
            )
        while not self._items:
            if self._closed:
                if self._error is not None:
                    raise self._error
                return False
            self._readable.clear()
            await self._readable.wait()
        return True

    # --- driven by the client -------------------------------------------------------

    def _set_query(self, query: dict[str, Any]) -> None:
        self._query = query

    def _set_session_token(self, session_token: str | None) -> None:
        self._session_token = session_token

    def _opened(self) -> None:
        if self._closed:
            return
        self._open = True
        self.emit("open")

    def _interrupted(self) -> None:
        """The socket is gone; the subscription waits for a resubscribe."""
        if self._open and not self._closed:
            self._open = False
            self.emit("close")

    def _report(self, error: LiveQueryError) -> None:
        self.emit("error", error)

    def _offer(self, event: Event) -> bool:
        """Call the listeners and buffer ``event``; False if the buffer is full.

        The client's hot path: no coroutine per event. On False the caller
        awaits ``_wait_room(event)``, which buffers it once there is room.
        """
        if self._closed:
            return True
        original = event.original
        if original is None and (event.op == "create" or event.op == "delete"):
            self.emit(event.op, event.object)
        else:
            self.emit(event.op, event.object, original)
        if not self._buffering:
            return True
        if len(self._items) < self._max_queue:
            self._items.append(event)
            self._readable.set()
            return True
        if not self._iterating:
            self._buffering = False
            self._items.clear()
            logger.debug(
                "subscription %d is not iterated; its event buffer is off", self.request_id
            )
            return True
        return False

    async def _wait_room(self, event: Event) -> None:
        """Backpressure: hold the socket reader until the consumer makes room."""
        while len(self._items) >= self._max_queue:
            self._writable.clear()
            await self._writable.wait()
            if self._closed:
                return
        self._items.append(event)
        self._readable.set()

    def _end(self, error: LiveQueryError | None = None, *, notify: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        self._open = False
        self._error = error
        self._ended.set()
        self._readable.set()
        self._writable.set()
        if notify:
            if error is not None:
                self.emit("error", error)
            self.emit("close")
