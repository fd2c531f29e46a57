"""``Subscription``: one live query, as an event emitter and an async iterator.

Events: ``open`` (the server confirmed the subscription; again after every
resubscribe and after an ``update``), ``create``/``delete`` ``(object)``,
``update``/``enter``/``leave`` ``(object, original)``, ``close`` (events stop:
the socket was lost, or the subscription ended), ``error`` ``(exception)``.

The async iterator yields the object events as ``Event(op, object,
original)`` records and ends when the subscription ends (``unsubscribe()``,
the client's ``close()``); it raises the error that ended it otherwise (a
``ServerError`` for the subscription, ``ConnectionFailedError`` when the
client gave up reconnecting, ``SubscriptionOverflowError``). A socket loss
followed by a reconnect does not end it.

``next_batch()`` / ``batches()`` take every buffered event at once: the
client delivers all the frames of one network read before a consumer runs, so
a burst becomes one list, and a consumer pays its wake-up (and its output
flush) once per read rather than once per event.

Buffering and overflow: each subscription buffers at most ``max_queue``
events for its iterator, and one consumer that stops reading never stalls the
other subscriptions of the connection. When an event arrives for a full
buffer, the subscription's ``overflow`` policy decides:

- ``"error"`` (the default): the client stops reading the socket until this
  consumer makes room (backpressure: nothing is lost), but only as long as no
  other subscription is kept waiting by the pause. Once another
  subscription's consumer is idle, waiting for events, or another
  subscription is served by listeners, this consumer is the one behind: its
  subscription is ended (unsubscribed) and its iterator raises
  ``SubscriptionOverflowError`` after the events it had buffered. A single
  slow consumer (the whole connection behind) gets backpressure, never an error.
- ``"drop_oldest"``: the oldest buffered event is dropped (``dropped``
  counts them); the socket is never paused for this subscription.
- ``"wait"``: always backpressure, as if every consumer were behind. It holds
  back every subscription of the connection: for subscriptions read by one
  consumer, or when no event may ever be lost.

A consumer that stalls the socket for longer than the keepalive timeout gets
disconnected and resubscribed like any dead peer. A subscription used only
through listeners never iterates: if its buffer fills before iteration starts,
buffering is switched off for it, and a late attempt to iterate raises
``InvalidStateError`` instead of silently missing events.

Ending by leaving: ``async for event in sub`` iterates a fresh async generator.
Leaving the loop with ``break``, closing that iterator (``aclose()``), cancelling
the task that iterates, or dropping an unfinished iterator (garbage
collection) unsubscribes the subscription, so a consumer that goes away cannot
leave a subscription filling up behind it. ``await anext(sub)`` and
``next_batch()`` read one event / one batch without such an iterator (use
them to take a few events and keep the subscription).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from livequery_cli.client.emitter import EventEmitter
from livequery_cli.client.listener_types import SubscriptionListeners
from livequery_cli.exceptions import (
    ConfigError,
    InvalidStateError,
    LiveQueryError,
    SubscriptionOverflowError,
)
from livequery_cli.protocol.frames import ObjectOp

if TYPE_CHECKING:
    from livequery_cli.client.live_query_client import LiveQueryClient

__all__ = ["OVERFLOW_POLICIES", "SUBSCRIPTION_EVENTS", "Event", "Overflow", "Subscription"]

logger = logging.getLogger("livequery_cli.client")

Overflow = Literal["error", "drop_oldest", "wait"]
OVERFLOW_POLICIES: tuple[Overflow, ...] = ("error", "drop_oldest", "wait")
_OBJECT_OPS = ("create", "update", "enter", "leave", "delete")

SUBSCRIPTION_EVENTS = ("open", "create", "update", "enter", "leave", "delete", "close", "error")


class Event(NamedTuple):
    """An object event: ``original`` is None for ``create`` and ``delete``.

    A named tuple (immutable, compared by value) because one is made per event
    and a tuple costs a fraction of a frozen dataclass.
    """

    op: ObjectOp
    object: dict[str, Any]
    original: dict[str, Any] | None = None


class Subscription(SubscriptionListeners, EventEmitter):  # type: ignore[misc]
    """A subscription made by ``LiveQueryClient.subscribe`` (never built directly)."""

    def _listener_target(self) -> EventEmitter:
        return self

    def __init__(
        self,
        client: LiveQueryClient,
        request_id: int,
        query: dict[str, Any],
        session_token: str | None,
        *,
        max_queue: int = 1024,
        overflow: Overflow = "error",
        room: asyncio.Event | None = None,
    ) -> None:
        super().__init__(SUBSCRIPTION_EVENTS)
        if overflow not in OVERFLOW_POLICIES:
            raise ConfigError(f"overflow must be one of {', '.join(OVERFLOW_POLICIES)}")
        self._client = client
        self.request_id = request_id
        self._query = query
        self._session_token = session_token
        self._max_queue = max(1, max_queue)
        self.overflow: Overflow = overflow
        self._dropped = 0
        self._items: deque[Event] = deque()
        self._readable = asyncio.Event()
        # Set whenever a consumer of the connection makes room (shared by the
        # client's subscriptions): the socket reader waits on it under backpressure.
        self._room = room if room is not None else asyncio.Event()
        self._iterating = False
        self._waiting = False  # the consumer awaits an empty buffer
        self._buffering = True
        self._open = False
        self._announced = False  # the ``open`` of the first confirmation was emitted
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
        """The class the subscription watches."""
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
    def max_queue(self) -> int:
        """How many events the iterator's buffer holds."""
        return self._max_queue

    @property
    def dropped(self) -> int:
        """Events discarded by ``overflow="drop_oldest"`` so far."""
        return self._dropped

    @property
    def error(self) -> LiveQueryError | None:
        """The error that ended the subscription, if an error did."""
        return self._error

    async def unsubscribe(self) -> None:
        """Stop the subscription: ``close`` is emitted at once, no event follows."""
        await self._client.unsubscribe(self)

    async def aclose(self) -> None:
        """``unsubscribe()``, under the name ``contextlib.aclosing`` calls."""
        await self.unsubscribe()

    async def __aenter__(self) -> Subscription:
        """``async with await client.subscribe(q) as sub``: unsubscribes on the way out."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Unsubscribes; if cancelled meanwhile, sends the frame without waiting for it."""
        try:
            await self.unsubscribe()
        except asyncio.CancelledError:
            self._client._drop(self)
            raise

    async def update(self, query: Any) -> None:
        """Replace the query (the protocol's ``update`` op); resolves once it is live."""
        await self._client.update(self, query)

    async def wait_closed(self) -> None:
        """Wait until the subscription ends; raise the error that ended it, if any."""
        await self._ended.wait()
        if self._error is not None:
            raise self._error

    def __aiter__(self) -> AsyncIterator[Event]:
        """A fresh iterator; leaving it early (``break``, cancel, GC) unsubscribes."""
        self._iterating = True
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        items = self._items
        room = self._room
        try:
            while True:
                if not items and not await self._wait_items():  # the check skips a coroutine
                    return
                event = items.popleft()
                room.set()
                yield event
        finally:
            self._abandoned()

    async def __anext__(self) -> Event:
        """The next event, without an iterator that would unsubscribe when dropped."""
        self._iterating = True
        items = self._items
        if not items and not await self._wait_items():
            raise StopAsyncIteration
        event = items.popleft()
        self._room.set()
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
        return self._take_all()

    def batches(self) -> AsyncIterator[list[Event]]:
        """``async for batch in sub.batches()``: ``next_batch()`` until the end."""
        self._iterating = True
        return self._batches()

    async def _batches(self) -> AsyncIterator[list[Event]]:
        try:
            while await self._wait_items():
                yield self._take_all()
        finally:
            self._abandoned()

    def _take_all(self) -> list[Event]:
        batch = list(self._items)
        self._items.clear()
        self._room.set()
        return batch

    def _abandoned(self) -> None:
        """An iterator was left before the end: nobody reads, so unsubscribe."""
        if not self._closed:
            logger.debug("subscription %d: its iterator was left; unsubscribing", self.request_id)
            self._client._drop(self)

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
            self._waiting = True
            self._room.set()  # an idle consumer: the reader re-checks who is behind
            try:
                await self._readable.wait()
            finally:
                self._waiting = False
        return True

    # --- driven by the client -------------------------------------------------------

    def _set_query(self, query: dict[str, Any]) -> None:
        self._query = query

    def _set_session_token(self, session_token: str | None) -> None:
        self._session_token = session_token

    def _confirmed(self) -> None:
        """The server confirmed it: open now; ``open`` is emitted a moment later.

        ``subscribe()`` returns before the event, so listeners registered right
        after it still get the first ``open``, and ``is_open`` is already True.
        """
        if not self._closed:
            self._open = True

    def _opened(self) -> None:
        if self._closed:
            return
        self._open = True
        self._announced = True
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
        awaits ``LiveQueryClient._make_room``, which applies the overflow policy.
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
        if self.overflow == "drop_oldest":
            self._items.popleft()
            self._items.append(event)
            self._dropped += 1
            return True
        return False

    @property
    def _behind(self) -> bool:
        """Iterated, buffering and full: this consumer has not kept up."""
        return (
            self._iterating
            and self._buffering
            and not self._closed
            and len(self._items) >= self._max_queue
        )

    @property
    def _starving(self) -> bool:
        """Held back by a pause: an idle iterator, or listeners (never buffered)."""
        if self._closed:
            return False
        if self._iterating and self._buffering:
            return self._waiting
        return any(self.listener_count(op) for op in _OBJECT_OPS)

    def _push(self, event: Event) -> None:
        self._items.append(event)
        self._readable.set()

    def _overflowed(self) -> None:
        """Policy ``error``: end this subscription; the others carry on."""
        error = SubscriptionOverflowError(
            f"subscription {self.request_id} ({self.class_name}) fell {self._max_queue} "
            "events behind and was ended; read faster, raise max_queue, or choose "
            'overflow="drop_oldest" or "wait"',
            request_id=self.request_id,
            max_queue=self._max_queue,
        )
        logger.warning("%s", error)
        self._end(error, notify=False)
        if self.listener_count("error"):
            self.emit("error", error)
        self.emit("close")

    def _end(self, error: LiveQueryError | None = None, *, notify: bool = True) -> None:
        if self._closed:
            return
        self._closed = True
        self._open = False
        self._error = error
        self._ended.set()
        self._readable.set()
        self._room.set()
        if notify:
            if error is not None:
                self.emit("error", error)
            self.emit("close")
