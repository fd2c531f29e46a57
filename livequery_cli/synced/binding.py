"""Wiring a ``SyncEngine`` to a ``Subscription``'s events.

Events are taken through listeners, which run inside the client's frame
loop in wire order; the subscription's ``open`` (emitted again after every
resubscribe, before the new socket's events) tells the engine to start
buffering and resync, and ``close`` (socket lost) starts the clock for the
``reconnected after`` report.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from livequery_cli.client.subscription import Subscription
from livequery_cli.synced.engine import SyncEngine

__all__ = ["OBJECT_OPS", "bind_engine"]

OBJECT_OPS: tuple[str, ...] = ("create", "update", "enter", "leave", "delete")


def bind_engine(sub: Subscription, engine: SyncEngine) -> Callable[[], None]:
    """Feed ``sub``'s events to ``engine`` and start its first load; returns an unbinder.

    Call it right after ``subscribe()`` returns: the client emits the first
    ``open`` only after the subscriber had its turn, so the first ``open``
    seen here (if the subscription was not open yet) is not a reconnect. The
    first load then starts once that ``open`` has been handled (the engine
    holds or notes events from the start), so importing and running the REST
    side never delays the subscription's confirmation.
    """
    event = engine.event
    handlers: list[tuple[str, Callable[..., None]]] = []
    for op in OBJECT_OPS:
        handlers.append((op, _object_handler(event, op)))
    first_open_pending = not sub._announced

    def on_open() -> None:
        nonlocal first_open_pending
        if first_open_pending:
            first_open_pending = False
            asyncio.get_running_loop().call_soon(engine.start)
            return
        engine.reopened()

    def on_close() -> None:
        if sub.closed:
            engine.close()
        else:
            engine.interrupted()

    handlers.append(("open", on_open))
    handlers.append(("close", on_close))
    for name, handler in handlers:
        sub.add_listener(name, handler)
    if not first_open_pending:
        engine.start()

    def unbind() -> None:
        for name, handler in handlers:
            sub.remove_listener(name, handler)
        engine.close()

    return unbind


def _object_handler(
    event: Callable[[str, dict[str, Any], dict[str, Any] | None], None], op: str
) -> Callable[..., None]:
    def handler(obj: dict[str, Any], original: dict[str, Any] | None = None) -> None:
        event(op, obj, original)

    return handler
