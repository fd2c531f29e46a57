"""The listener signatures of a ``SyncedSubscription``'s events, for type checkers.

The plain subscription's events (``livequery_cli.client.listener_types``) plus
``snapshot`` ``(objects)``, the initial result set as a list, and ``synced``
``(report)`` after each load, so a misspelt event or a listener of the wrong
arity fails ``mypy``/``pyright`` here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, overload

from livequery_cli.client.emitter import EventEmitter, Listener
from livequery_cli.client.listener_types import (
    ChangeEvent,
    ChangeListener,
    ErrorListener,
    ObjectEvent,
    ObjectListener,
    SignalEvent,
    SignalListener,
)
from livequery_cli.synced.engine import ResyncReport

__all__ = ["SnapshotListener", "SyncedListener", "SyncedListeners"]

#: ``snapshot``: every object of the initial result set.
SnapshotListener = Callable[[list[dict[str, Any]]], object]
#: ``synced``: what a load (snapshot, seed or resync) found.
SyncedListener = Callable[[ResyncReport], object]


class SyncedListeners:
    """``on``/``once``/``off`` of a ``SyncedSubscription``, typed per event."""

    def _listener_target(self) -> EventEmitter:
        raise NotImplementedError

    @overload
    def on(self, event: SignalEvent, listener: SignalListener) -> SignalListener: ...
    @overload
    def on(self, event: ObjectEvent, listener: ObjectListener) -> ObjectListener: ...
    @overload
    def on(self, event: ChangeEvent, listener: ChangeListener) -> ChangeListener: ...
    @overload
    def on(self, event: Literal["error"], listener: ErrorListener) -> ErrorListener: ...
    @overload
    def on(self, event: Literal["snapshot"], listener: SnapshotListener) -> SnapshotListener: ...
    @overload
    def on(self, event: Literal["synced"], listener: SyncedListener) -> SyncedListener: ...
    def on(self, event: str, listener: Listener) -> Listener:
        """Call ``listener`` on every ``event``; returns it."""
        return EventEmitter.on(self._listener_target(), event, listener)

    @overload
    def once(self, event: SignalEvent, listener: SignalListener) -> SignalListener: ...
    @overload
    def once(self, event: ObjectEvent, listener: ObjectListener) -> ObjectListener: ...
    @overload
    def once(self, event: ChangeEvent, listener: ChangeListener) -> ChangeListener: ...
    @overload
    def once(self, event: Literal["error"], listener: ErrorListener) -> ErrorListener: ...
    @overload
    def once(self, event: Literal["snapshot"], listener: SnapshotListener) -> SnapshotListener: ...
    @overload
    def once(self, event: Literal["synced"], listener: SyncedListener) -> SyncedListener: ...
    def once(self, event: str, listener: Listener) -> Listener:
        """Call ``listener`` on the next ``event`` only; returns it."""
        return EventEmitter.once(self._listener_target(), event, listener)

    def off(self, event: str, listener: Listener | None = None) -> None:
        """Remove one listener, or every listener of ``event`` when none is given."""
        EventEmitter.off(self._listener_target(), event, listener)
