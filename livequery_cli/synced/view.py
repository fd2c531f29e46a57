"""The client's picture of a query's result set: versions keyed by ``objectId``.

LiveQuery only reports changes, so a client that wants to know what *is* in
the result set has to keep it itself. The view is that record. Applying a
live event is one dict operation, so keeping it costs nothing measurable on
the hot path; the expensive parts (comparing with a fresh ``find``) run only
at a snapshot or after a reconnect.

What a resync needs is each member's version, so that is all a *lean* view
keeps (``keep_objects=False``, what ``lq tail`` uses): one short string per
object currently in the result set, dropped on ``leave``/``delete``. Its
memory is bounded by the size of the result set, not by the number of
objects ever seen, and not by their size. The library's synced subscription
also exposes the result set itself, so by default the view keeps the
members' objects too (still only members). A load of a lean view fetches whole
objects only for the members whose events it prints (``differs``; see
``livequery_cli.synced.lean``).

Versions are compared by ``updatedAt``: Parse stamps every save with it, the
REST ``find`` and the LiveQuery events carry the same ISO 8601 text, and that
text sorts in time order, so plain string comparison orders two versions of
one object.

A member can be *unshown*: a silent first load (the seed) took it in at a
version that may be newer than the tail's start, and no event has shown
that version yet. If its event was lost with a dropped socket, no later
``find`` would ever differ from the view, so the next comparison reports
unshown members as news (``enter``, or ``update`` when an older version of
it was shown), and any event that shows it clears the mark.
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
    """The members of a result set, by ``objectId`` (insertion-ordered)."""

    __slots__ = ("_objects", "_unshown", "_versions")

    def __init__(
        self,
        objects: Mapping[str, dict[str, Any]] | None = None,
        *,
        keep_objects: bool = True,
    ) -> None:
        fresh = objects or {}
        self._versions: dict[str, str] = {oid: version(obj) for oid, obj in fresh.items()}
        self._objects: dict[str, dict[str, Any]] | None = dict(fresh) if keep_objects else None
        self._unshown: dict[str, bool] = {}
        """Unshown members -> whether an older version of them was shown."""

    @classmethod
    def of_versions(
        cls,
        versions: dict[str, str],
        objects: Mapping[str, dict[str, Any]],
        *,
        keep_objects: bool = True,
    ) -> ResultView:
        """A view of a load's answer; it takes ``versions`` over (no copy).

        ``objects`` must hold every member when the view keeps objects.
        """
        view = cls(keep_objects=keep_objects)
        view._versions = versions
        if keep_objects:
            view._objects = dict(objects)
        return view

    def __len__(self) -> int:
        return len(self._versions)

    def __contains__(self, object_id: object) -> bool:
        return object_id in self._versions

    def __iter__(self) -> Iterator[str]:
        return iter(self._versions)

    @property
    def keeps_objects(self) -> bool:
        return self._objects is not None

    def version_of(self, object_id: str) -> str | None:
        """The member's known version, or None when it is not a member."""
        return self._versions.get(object_id)

    def get(self, object_id: str) -> dict[str, Any] | None:
        """The member's object (a stub with its id and version in a lean view)."""
        if self._objects is not None:
            return self._objects.get(object_id)
        known = self._versions.get(object_id)
        return None if known is None else _stub(object_id, known)

    def ids(self) -> set[str]:
        return set(self._versions)

    def objects(self) -> dict[str, dict[str, Any]]:
        """A copy of the id -> object mapping (stubs in a lean view)."""
        if self._objects is not None:
            return dict(self._objects)
        return {oid: _stub(oid, v) for oid, v in self._versions.items()}

    def apply(self, op: str, obj: dict[str, Any]) -> None:
        """Record an event the user is shown (O(1)): adding ops store, removing ops drop."""
        oid = obj.get("objectId")
        if type(oid) is not str:
            return
        self._unshown.pop(oid, None)
        if op in REMOVING_OPS:
            self._versions.pop(oid, None)
            if self._objects is not None:
                self._objects.pop(oid, None)
        else:
            self._versions[oid] = version(obj)
            if self._objects is not None:
                self._objects[oid] = obj

    # --- unshown members (a silent load's possible news) -----------------------------

    def mark_unshown(self, object_id: str, *, seen_before: bool = False) -> None:
        """The member was taken in silently at a version that may be news."""
        if object_id in self._versions:
            self._unshown[object_id] = seen_before

    def forget(self, object_id: str) -> None:
        """Drop a member without an event (its events are about to be replayed)."""
        self._unshown.pop(object_id, None)
        self._versions.pop(object_id, None)
        if self._objects is not None:
            self._objects.pop(object_id, None)

    def is_unshown(self, object_id: str) -> bool:
        return object_id in self._unshown

    @property
    def unshown_count(self) -> int:
        return len(self._unshown)

    def reveal(self, fresh: Mapping[str, dict[str, Any]]) -> list[Change]:
        """Events for every unshown member (as ``fresh`` has it), which then counts as shown.

        They come in version order, the order the writes were made in.
        """
        changes: list[Change] = []
        unshown = sorted(self._unshown.items(), key=lambda item: version(fresh.get(item[0])))
        for oid, seen_before in unshown:
            obj = fresh.get(oid)
            if obj is not None:
                changes.append(("update" if seen_before else "enter", obj, None))
        self._unshown.clear()
        return changes

    # --- comparison with a fresh find -------------------------------------------------

    def differs(self, object_id: str, found: str) -> bool:
        """Whether a member found at version ``found`` gets an event from ``replace``."""
        known = self._versions.get(object_id)
        return known is None or known != found or object_id in self._unshown

    def replace(self, fresh: Mapping[str, dict[str, Any]]) -> list[Change]:
        """Make the view equal ``fresh``; return the events that turn the old view into it.

        ``enter`` for objects new to the view (or unshown and never seen),
        ``update`` for objects whose ``updatedAt`` differs or that are
        unshown (with the old object as ``original`` when the view keeps
        objects), ``leave`` (carrying the last known object, a stub in a
        lean view) for objects no longer there. A delete that happened while
        nobody was watching is indistinguishable from a leave here, and is
        reported as one.
        """
        return self.replace_versions({oid: version(obj) for oid, obj in fresh.items()}, fresh)

    def replace_versions(
        self, fresh: dict[str, str], objects: Mapping[str, dict[str, Any]]
    ) -> list[Change]:
        """``replace`` for a load's answer: every member's version, and the objects.

        ``objects`` needs only the members for which ``differs`` is true
        (every member when the view keeps objects); the view takes
        ``fresh`` over (no copy).
        """
        changes: list[Change] = []
        versions = self._versions
        unshown = self._unshown
        for oid, found in fresh.items():
            known = versions.get(oid)
            if known is None or (oid in unshown and not unshown[oid]):
                changes.append(("enter", _object_or_stub(objects, oid, found), None))
            elif known != found or oid in unshown:
                before = self._objects.get(oid) if self._objects is not None else None
                obj = _object_or_stub(objects, oid, found)
                changes.append(("update", obj, before if oid not in unshown else None))
        for oid in versions:
            if oid not in fresh:
                if unshown.get(oid) is False:
                    continue  # never shown (a silent load took it in): nothing to take back
                gone = self.get(oid)
                assert gone is not None
                changes.append(("leave", gone, gone))
        self._versions = fresh
        if self._objects is not None:
            self._objects = dict(objects)
        self._unshown = {}
        return changes


def _object_or_stub(
    objects: Mapping[str, dict[str, Any]], object_id: str, known: str
) -> dict[str, Any]:
    obj = objects.get(object_id)
    return _stub(object_id, known) if obj is None else obj


def _stub(object_id: str, known: str) -> dict[str, Any]:
    """What a lean view knows of a member: its id and version."""
    stub: dict[str, Any] = {"objectId": object_id}
    if known:
        stub["updatedAt"] = known
    return stub
