"""``SyncedSubscription``: a subscription that starts from the result set and never drifts.

The library face of ``SyncEngine``::

    sub = await subscribe_synced(LiveQuery, Query("Game").greater_than("score", 100))
    async for event in sub:          # SyncedEvent(op, object, original, kind, synthetic)
        ...
    sub.results                      # {objectId: object}: the current result set

With ``snapshot=True`` the first events are one ``kind="snapshot"`` record
per object of the result set (op ``"snapshot"``), then the live events,
without a gap and without duplicates. With ``resync=True`` every resubscribe
after a reconnect is followed by a fresh ``find``; the differences arrive as
``enter``/``update``/``leave`` events with ``synthetic=True`` (a delete
during the gap is a ``leave``: the object is simply gone).

Listeners: the op events take ``(object)`` for ``create``/``delete`` and
``(object, original)`` otherwise, as on ``Subscription``, synthetic ones
included; ``snapshot`` ``(objects)`` gets the initial result set as a list;
``synced`` ``(report)`` fires after each load (``report.kind`` is
``"snapshot"``, ``"seed"`` or ``"resync"``); ``open``/``close``/``error`` are
the underlying subscription's.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from livequery_cli.client.emitter import EventEmitter
from livequery_cli.client.subscription import Subscription
from livequery_cli.exceptions import LiveQueryError
from livequery_cli.synced.binding import bind_engine
from livequery_cli.synced.engine import Fetch, LoadKind, ResyncReport, SyncEngine
from livequery_cli.synced.start_point import StartPoint
from livequery_cli.synced.synced_listeners import SyncedListeners

__all__ = ["SYNCED_EVENTS", "SyncedEvent", "SyncedSubscription"]

SYNCED_EVENTS = (
    "open",
    "create",
    "update",
    "enter",
    "leave",
    "delete",
    "close",
    "error",
    "snapshot",
    "synced",
)


@dataclass(frozen=True, slots=True)
class SyncedEvent:
    """An event of a synced subscription.

    ``kind`` is ``"snapshot"`` for the records of the initial result set
    (``op`` is then ``"snapshot"``), else ``"event"``; ``synthetic`` is True
    for the differences a resync found.
    """

    op: str
    object: dict[str, Any]
    original: dict[str, Any] | None = None
    kind: str = "event"
    synthetic: bool = False


class SyncedSubscription(SyncedListeners, EventEmitter):  # type: ignore[misc]
    """A ``Subscription`` kept consistent with the server's result set."""

    def _listener_target(self) -> EventEmitter:
        return self

    def __init__(
        self,
        subscription: Subscription,
        fetch: Fetch,
        *,
        snapshot: bool = True,
        resync: bool = True,
        owned: Any = None,
        unshown_after: StartPoint | str | None = None,
    ) -> None:
        super().__init__(SYNCED_EVENTS)
        self.subscription = subscription
        # A REST client made for this subscription: closed when it ends.
        self._owned = owned
        self._closing: asyncio.Task[None] | None = None
        self._items: deque[SyncedEvent] = deque()
        self._readable = asyncio.Event()
        self._snapshot: list[dict[str, Any]] = []
        self._load_error: BaseException | None = None
        first: LoadKind = "snapshot" if snapshot else "seed"
        self._engine = SyncEngine(
            fetch,
            live=self._live,
            marked=self._marked,
            loaded=self._loaded,
            failed=self._failed,
            first=first,
            resync=resync,
            unshown_after=unshown_after,
        )
        for name in ("open", "close", "error"):
            subscription.on(name, self._forward(name))
        subscription.on("close", self._on_close)
        self._unbind = bind_engine(subscription, self._engine)

    def __repr__(self) -> str:
        return f"<SyncedSubscription {self.subscription!r} {len(self._engine.view)} objects>"

    @property
    def class_name(self) -> str:
        """The class the subscription watches."""
        return self.subscription.class_name

    @property
    def results(self) -> dict[str, dict[str, Any]]:
        """The current result set as this client knows it, by objectId (a copy)."""
        return self._engine.view.objects()

    async def wait_synced(self) -> None:
        """Wait until the load in progress (snapshot or resync) is done."""
        await self._engine.wait_loaded()
        if self._load_error is not None:
            raise self._load_error

    async def aclose(self) -> None:
        """``unsubscribe()``, under the name ``contextlib.aclosing`` calls."""
        await self.unsubscribe()

    async def __aenter__(self) -> SyncedSubscription:
        """``async with await subscribe_synced(...) as sub``: unsubscribes on the way out."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Unsubscribes, however the block was left."""
        await self.unsubscribe()

    async def unsubscribe(self) -> None:
        """End the subscription (and the REST client it owns, if any)."""
        self._unbind()
        await self.subscription.unsubscribe()
        self._wake()
        await self._release()

    async def _release(self) -> None:
        owned, self._owned = self._owned, None
        if owned is not None:
            await owned.close()

    def __aiter__(self) -> AsyncIterator[SyncedEvent]:
        """A fresh iterator; leaving it early (``break``, cancel, GC) unsubscribes.

        The same rule as a plain ``Subscription``'s: a consumer that goes away
        must not leave a subscription (and its result-set view) filling up
        behind it. ``await anext(sub)`` reads one event without such an
        iterator.
        """
        return self._events()

    async def _events(self) -> AsyncIterator[SyncedEvent]:
        try:
            while True:
                try:
                    event = await self.__anext__()
                except StopAsyncIteration:
                    return
                yield event
        finally:
            self._abandoned()

    def _abandoned(self) -> None:
        """Unsubscribe without waiting: this runs where awaiting may be impossible."""
        if self.subscription.closed:
            return
        self._unbind()
        self.subscription._abandoned()  # sends the unsubscribe; "close" releases the REST client

    async def __anext__(self) -> SyncedEvent:
        while not self._items:
            if self._load_error is not None:
                raise self._load_error
            if self.subscription.closed:
                if self.subscription.error is not None:
                    raise self.subscription.error
                raise StopAsyncIteration
            self._readable.clear()
            await self._readable.wait()
        return self._items.popleft()

    # --- engine callbacks -----------------------------------------------------------

    def _push(self, event: SyncedEvent) -> None:
        self._items.append(event)
        self._readable.set()

    def _live(self, op: str, obj: dict[str, Any], original: dict[str, Any] | None) -> None:
        self._push(SyncedEvent(op, obj, original))
        self._emit_op(op, obj, original)

    def _marked(
        self,
        op: str,
        obj: dict[str, Any],
        original: dict[str, Any] | None,
        *,
        kind: str,
        synthetic: bool,
    ) -> None:
        self._push(SyncedEvent(op, obj, original, kind, synthetic))
        if kind == "snapshot":
            self._snapshot.append(obj)
        else:
            self._emit_op(op, obj, original)

    def _emit_op(self, op: str, obj: dict[str, Any], original: dict[str, Any] | None) -> None:
        if op in ("create", "delete") and original is None:
            self.emit(op, obj)
        else:
            self.emit(op, obj, original)

    def _loaded(self, report: ResyncReport) -> None:
        if report.kind == "snapshot":
            objects, self._snapshot = self._snapshot, []
            self.emit("snapshot", objects)
        self.emit("synced", report)

    def _failed(self, exc: BaseException, kind: LoadKind) -> None:
        if kind == "snapshot":
            self._load_error = exc
            self._readable.set()
        if isinstance(exc, LiveQueryError):
            self.emit("error", exc)

    def _forward(self, name: str) -> Any:
        def forward(*args: Any) -> None:
            self.emit(name, *args)

        return forward

    def _wake(self) -> None:
        self._readable.set()

    def _on_close(self) -> None:
        self._wake()
        if self.subscription.closed and self._owned is not None and self._closing is None:
            self._closing = asyncio.ensure_future(self._release())
