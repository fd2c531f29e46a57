"""The listener signatures of each event, for type checkers.

``EventEmitter`` takes any name and any callable at run time. Users of mypy
or pyright get more: ``on``/``once``/``off`` are overloaded per event name
(a ``Literal``), each with the callback signature that event is emitted with,
so ``sub.on("entr", f)`` or an ``update`` listener taking one argument fails
the type check instead of waiting silently. The mixins hold only these
signatures and delegate to the emitter that ``_listener_target()`` returns
(the object itself, or the standard API's shared emitter).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, overload

from livequery_cli.client.emitter import EventEmitter, Listener

__all__ = [
    "ChangeEvent",
    "ChangeListener",
    "ConnectionListeners",
    "ErrorListener",
    "ObjectEvent",
    "ObjectListener",
    "ReconnectListener",
    "SignalEvent",
    "SignalListener",
    "SubscriptionListeners",
]

#: ``open``, ``close``: no argument.
SignalListener = Callable[[], object]
#: ``create``, ``delete``: the object.
ObjectListener = Callable[[dict[str, Any]], object]
#: ``update``, ``enter``, ``leave``: the object and its previous version (None if unknown).
ChangeListener = Callable[[dict[str, Any], dict[str, Any] | None], object]
#: ``error``: the exception (a ``LiveQueryError``, or what a listener raised).
ErrorListener = Callable[[Exception], object]
#: ``reconnect``: the attempt number (from 1) and the delay before it, in seconds.
ReconnectListener = Callable[[int, float], object]


SignalEvent = Literal["open", "close"]
ObjectEvent = Literal["create", "delete"]
ChangeEvent = Literal["update", "enter", "leave"]


class SubscriptionListeners:
    """``on``/``once``/``off`` of a subscription, typed per event."""

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
    def once(self, event: str, listener: Listener) -> Listener:
        """Call ``listener`` on the next ``event`` only; returns it."""
        return EventEmitter.once(self._listener_target(), event, listener)

    @overload
    def off(self, event: SignalEvent, listener: SignalListener | None = None) -> None: ...
    @overload
    def off(self, event: ObjectEvent, listener: ObjectListener | None = None) -> None: ...
    @overload
    def off(self, event: ChangeEvent, listener: ChangeListener | None = None) -> None: ...
    @overload
    def off(self, event: Literal["error"], listener: ErrorListener | None = None) -> None: ...
    def off(self, event: str, listener: Listener | None = None) -> None:
        """Remove one listener, or every listener of ``event`` when none is given."""
        EventEmitter.off(self._listener_target(), event, listener)


class ConnectionListeners:
    """``on``/``once``/``off`` of a connection (``LiveQueryClient``, ``LiveQuery``), typed."""

    def _listener_target(self) -> EventEmitter:
        raise NotImplementedError

    @overload
    def on(self, event: SignalEvent, listener: SignalListener) -> SignalListener: ...
    @overload
    def on(self, event: Literal["error"], listener: ErrorListener) -> ErrorListener: ...
    @overload
    def on(self, event: Literal["reconnect"], listener: ReconnectListener) -> ReconnectListener: ...
    def on(self, event: str, listener: Listener) -> Listener:
        """Call ``listener`` on every ``event``; returns it."""
        return EventEmitter.on(self._listener_target(), event, listener)

    @overload
    def once(self, event: SignalEvent, listener: SignalListener) -> SignalListener: ...
    @overload
    def once(self, event: Literal["error"], listener: ErrorListener) -> ErrorListener: ...
    @overload
    def once(
        self, event: Literal["reconnect"], listener: ReconnectListener
    ) -> ReconnectListener: ...
    def once(self, event: str, listener: Listener) -> Listener:
        """Call ``listener`` on the next ``event`` only; returns it."""
        return EventEmitter.once(self._listener_target(), event, listener)

    @overload
    def off(self, event: SignalEvent, listener: SignalListener | None = None) -> None: ...
    @overload
    def off(self, event: Literal["error"], listener: ErrorListener | None = None) -> None: ...
    @overload
    def off(
        self, event: Literal["reconnect"], listener: ReconnectListener | None = None
    ) -> None: ...
    def off(self, event: str, listener: Listener | None = None) -> None:
        """Remove one listener, or every listener of ``event`` when none is given."""
        EventEmitter.off(self._listener_target(), event, listener)
