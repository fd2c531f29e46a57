"""Replaying held-back events onto a fresh view, without repeats and without history.

While a load's ``find`` runs, the subscription's events are held back (or,
for a silent seed, noted). Once the fresh result set is in the view, they
are replayed onto it: every event written after the ``find`` started is
among them, so nothing is lost, but some of them the ``find`` already saw.
Versions (``updatedAt``) tell which: an adding event whose version is not
newer than the view's is a repeat, and so is a ``leave`` of an object the
``find`` no longer returned. A ``delete`` applies whenever the object is
still in the view (objectIds are never reused). For an object the ``find``
did not return, the held events are dropped when the last of them takes it
out of the set: they are history from before the ``find``, not changes
after it.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any

from livequery_cli.synced.view import REMOVING_OPS, ResultView, object_id, version

__all__ = ["Held", "found_among", "replay"]

Held = list[tuple[str, dict[str, Any], "dict[str, Any] | None"]]
"""Held-back events: ``(op, object, original)`` in wire order."""


def found_among(fresh: Container[str], *held: Held | None) -> set[str]:
    """The objects of held events that the load found.

    Replaying changes the view, so the replay needs the load's membership
    as it was; only the held events' objects are ever asked about, so only
    they are recorded (not a copy of the whole result set).
    """
    found: set[str] = set()
    for events in held:
        for _, obj, _ in events or ():
            oid = object_id(obj)
            if oid is not None and oid in fresh:
                found.add(oid)
    return found


def replay(
    view: ResultView,
    held: Held,
    found: Container[str],
    live: Callable[[str, dict[str, Any], dict[str, Any] | None], None] | None,
) -> None:
    """Apply the held events the load did not already show; pass them to ``live`` if given."""
    if not held:
        return
    last_op: dict[str, str] = {}
    for op, obj, _ in held:
        oid = obj.get("objectId")
        if type(oid) is str:
            last_op[oid] = op
    for op, obj, original in held:
        oid = obj.get("objectId")
        if type(oid) is not str:
            continue
        current = view.version_of(oid)
        if op == "delete":
            if current is None:
                continue
        elif op in REMOVING_OPS:
            if current is None or version(obj) <= current:
                continue
        elif current is not None:
            if version(obj) <= current:
                continue
        elif oid not in found and last_op[oid] in REMOVING_OPS:
            continue
        view.apply(op, obj)
        if live is not None:
            live(op, obj, original)
