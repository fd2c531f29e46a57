"""The client's picture of a query's result set: objects keyed by ``objectId``.

LiveQuery only reports changes, so a client that wants to know what *is* in
the result set has to keep it itself. The view is that record. Applying a
live event is one dict operation, so keeping it costs nothing measurable on
the hot path; the expensive parts (comparing with a fresh ``find``) run only
at a snapshot or after a reconnect.

Versions are compared by ``updatedAt``: Parse stamps every save with it, the
REST ``find`` and the LiveQuery events carry the same ISO 8601 text, and that
text sorts in time order, so plain string comparison orders two versions of
one object.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = ["ADDING_OPS", "REMOVING_OPS", "Change", "ResultView", "object_id", "version"]

ADDING_OPS = frozenset({"create", "enter", "update"})
"""Ops after which the object is in the result set."""
REMOVING_OPS = frozenset({"leave", "delete"})
"""Ops after which the object is no longer in the result set."""

Change = tuple[str, dict[str, Any], "dict[str, Any] | None"]
"""``(op, object, original)``: one event, as the view computes it from a diff."""


def object_id(obj: Mapping[str, Any]) -> str | None:
    value = obj.get("objectId")
    return value if isinstance(value, str) else None


def version(obj: Mapping[str, Any] | None) -> str:
    """The object's ``updatedAt`` as sortable text ("" when it has none)."""
    if obj is None:
        return ""
    value = obj.get("updatedAt")
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # {"__type": "Date", "iso": ...}
        iso = value.get("iso")
        return iso if isinstance(iso, str) else ""
    return ""


class ResultView:
    """Objects currently in the result set, by ``objectId`` (insertion-ordered)."""

    __slots__ = ("_objects",)

    def __init__(self, objects: Mapping[str, dict[str, Any]] | None = None) -> None:
        self._objects: dict[str, dict[str, Any]] = dict(objects or {})

    def __len__(self) -> int:
        return len(self._objects)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._objects

    def __iter__(self) -> Iterator[str]:
        return iter(self._objects)

    def get(self, object_id: str) -> dict[str, Any] | None:
        return self._objects.get(object_id)

    def ids(self) -> set[str]:
        return set(self._objects)

    def objects(self) -> dict[str, dict[str, Any]]:
        """A copy of the id -> object mapping."""
        return dict(self._objects)

    def apply(self, op: str, obj: dict[str, Any]) -> None:
        """Record a live event (O(1)): adding ops store the object, removing ops drop it."""
        oid = obj.get("objectId")
        if type(oid) is not str:
            return
        if op in REMOVING_OPS:
            self._objects.pop(oid, None)
        else:
            self._objects[oid] = obj

    def replace(self, fresh: Mapping[str, dict[str, Any]]) -> list[Change]:
        """Make the view equal ``fresh``; return the events that turn the old view into it.

        ``enter`` for objects new to the view, ``update`` (with the old object
        as ``original``) for objects whose ``updatedAt`` differs, ``leave``
        (carrying the last known object) for objects no longer there. A
        delete that happened while nobody was watching is indistinguishable
        from a leave here, and is reported as one.
        """
        changes: list[Change] = []
        old = self._objects
        for oid, obj in fresh.items():
            before = old.get(oid)
            if before is None:
                changes.append(("enter", obj, None))
            elif version(before) != version(obj):
                changes.append(("update", obj, before))
        for oid, before in old.items():
            if oid not in fresh:
                changes.append(("leave", before, before))
        self._objects = dict(fresh)
        return changes
