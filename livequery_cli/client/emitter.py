"""A small event emitter, the shape of Node's ``EventEmitter`` that the seed API uses.

A listener is a plain callable; if it returns an awaitable (an ``async def``
listener), the emitter schedules it as a task on the running loop.

A listener that raises must not break the connection that is delivering
events, so ``emit`` catches the exception and re-emits it as an ``error``
event on the same emitter. If there is no ``error`` listener, or an ``error``
listener itself raises, the exception is logged on the ``livequery_cli``
logger instead: re-emitting it would recurse, and raising it would unwind into
the socket reader. Exceptions from listeners are passed to ``error`` listeners
as they are (not wrapped), so a handler can tell its own bugs from
``LiveQueryError``\\ s.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable, Collection
from typing import Any

from livequery_cli.exceptions import ConfigError, LiveQueryError

__all__ = ["EventEmitter", "Listener", "mark_raised"]

logger = logging.getLogger("livequery_cli.client")

Listener = Callable[..., Any]


class EventEmitter:
    """``on``/``off``/``once``/``emit`` for a fixed set of event names.

    Subclasses pass ``events``; registering a listener for any other name is a
    ``ConfigError``, a ``ValueError`` (a typo would otherwise wait silently forever).
    """

    def __init__(self, events: Collection[str]) -> None:
        self._event_names = frozenset(events) | {"error"}
        self._listeners: dict[str, list[tuple[Listener, bool]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._once_names: set[str] = set()

    def on(self, event: str, listener: Listener) -> Listener:
        """Call ``listener`` on every ``event``; returns it (usable as a decorator base)."""
        self._check(event, listener)
        self._listeners.setdefault(event, []).append((listener, False))
        return listener

    def once(self, event: str, listener: Listener) -> Listener:
        """Call ``listener`` on the next ``event`` only."""
        self._check(event, listener)
        self._listeners.setdefault(event, []).append((listener, True))
        self._once_names.add(event)
        return listener

    def off(self, event: str, listener: Listener | None = None) -> None:
        """Remove one listener, or every listener of ``event`` when none is given."""
        self._check_name(event)
        if listener is None:
            self._listeners.pop(event, None)
            return
        entries = self._listeners.get(event, [])
        for i, (registered, _) in enumerate(entries):
            if registered == listener:
                del entries[i]
                return

    def add_listener(self, event: str, listener: Listener) -> Listener:
        """``on`` for an event name known only at run time (not checked per event by typing)."""
        return EventEmitter.on(self, event, listener)

    def remove_listener(self, event: str, listener: Listener | None = None) -> None:
        """``off`` for an event name known only at run time."""
        EventEmitter.off(self, event, listener)

    def listener_count(self, event: str) -> int:
        """How many listeners ``event`` has."""
        return len(self._listeners.get(event, ()))

    def emit(self, event: str, *args: Any) -> bool:
        """Call the listeners of ``event`` in order; True if there was any."""
        entries = self._listeners.get(event)
        if not entries:
            if event == "error" and args:
                _log_unhandled(self, args[0])
            return False
        # Called once per event on the hot path: the ``once`` bookkeeping is
        # skipped unless a ``once`` listener was ever added for this name, and
        # plain listeners returning None skip the awaitable check.
        if event in self._once_names:
            self._once_names.discard(event)
            self._listeners[event] = [entry for entry in entries if not entry[1]]
        for listener, _ in tuple(entries):
            try:
                result = listener(*args)
                if result is not None and inspect.isawaitable(result):
                    self._schedule(event, result)
            except Exception as exc:
                self._listener_failed(event, exc)
        return True

    def _listener_failed(self, event: str, exc: Exception) -> None:
        if event == "error":
            logger.error("an 'error' listener raised", exc_info=exc)
        else:
            self.emit("error", exc)

    def _schedule(self, event: str, awaitable: Any) -> None:
        task = asyncio.ensure_future(awaitable)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            exc = None if t.cancelled() else t.exception()
            if isinstance(exc, Exception):
                self._listener_failed(event, exc)

        task.add_done_callback(done)

    def _check(self, event: str, listener: Listener) -> None:
        self._check_name(event)
        if not callable(listener):
            raise TypeError(f"listener for {event!r} is not callable")

    def _check_name(self, event: str) -> None:
        if event not in self._event_names:
            names = ", ".join(sorted(self._event_names))
            raise ConfigError(f"unknown event {event!r} (expected one of: {names})")


_RAISED = "_lq_raised_to_caller"


def mark_raised(error: BaseException) -> None:
    """``error`` is also raised to a caller awaiting it (``open()``, ``subscribe()``).

    Its ``error`` events are still emitted, but with no listener it is not
    logged as unhandled: the caller has it, and a log line per emitter (client,
    subscription, the standard API's connection) would report it over again.
    """
    setattr(error, _RAISED, True)


def _log_unhandled(emitter: object, error: object) -> None:
    if getattr(error, _RAISED, False):
        logger.debug("error on %s, raised to the caller: %s", type(emitter).__name__, error)
        return
    # Our own errors explain themselves in one line; anything else is most
    # likely a bug in a listener, where the traceback is what helps.
    trace = (
        error
        if isinstance(error, BaseException) and not isinstance(error, LiveQueryError)
        else None
    )
    logger.warning("unhandled error on %s: %s", type(emitter).__name__, error, exc_info=trace)
