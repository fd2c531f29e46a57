"""The members of ``lq watch``'s table, kept small, and a screenful of them in sort order.

A table of 100,000 members must cost about what ``lq tail --snapshot``'s view
costs, so a row holds only what the table shows and sorts by, and no sorted
copy of the set is kept:

- a row is the values of the shown columns and the sort field, in a tuple
  (``objectId`` is the row's key, not stored again; a Parse date is kept as
  its ISO string, which is what is shown and sorted); a row of one field is
  the bare value, which saves the tuple (48 bytes a row);
- the first rows are kept whole until the columns are chosen from them
  (``CHOOSE_AFTER`` objects), then packed like the rest;
- a screenful is picked with ``heapq`` from the end of the order it is
  nearest to: drawing the first or last page holds a page of sort keys, not
  one per member (a full sort holds 100,000 key tuples at every redraw).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import Any

from livequery_cli.cli.output.pretty import format_value

__all__ = ["CHOOSE_AFTER", "TableRows", "choose_columns", "lookup", "rank"]

CHOOSE_AFTER = 20
"""Default columns are chosen from this many first objects."""

DEFAULT_FIELD_COUNT = 4
_SKIPPED = frozenset({"objectId", "className", "createdAt", "updatedAt", "ACL"})

Entry = tuple[str, Any, bool]
"""``(objectId, row, left)``: a member (or one that left a moment ago) and its row."""


def choose_columns(objects: Sequence[dict[str, Any]]) -> list[str]:
    """``objectId``, a few fields the first objects have (in first-seen order), ``updatedAt``."""
    fields: list[str] = []
    for obj in objects[:CHOOSE_AFTER]:
        for key in obj:
            if key not in _SKIPPED and key not in fields:
                fields.append(key)
    return ["objectId", *fields[:DEFAULT_FIELD_COUNT], "updatedAt"]


def lookup(obj: dict[str, Any], path: str) -> Any:
    """``obj[path]``, or the dotted path into nested objects; None when missing."""
    value: Any = obj
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _stored(value: Any) -> Any:
    """A value as a row keeps it: a Parse date as its ISO string, the rest as is."""
    if isinstance(value, dict) and value.get("__type") == "Date":
        return value.get("iso")
    return value


def rank(value: Any) -> tuple[Any, ...]:
    """Sort rank of a value: numbers first, then strings, missing values last."""
    value = _stored(value)
    if value is None:
        return (2, 0, "")
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, int | float):
        return (0, value, "")
    return (1, 0, value if isinstance(value, str) else format_value(value))


class TableRows:
    """Rows by objectId, the rows that just left, and windows of them in sort order."""

    def __init__(self, columns: list[str] | None, sort: str | None) -> None:
        self.columns = columns
        self._sort = sort
        self.rows: dict[str, Any] = {}
        """objectId -> packed row (whole objects until the columns are chosen)."""
        self.left: dict[str, tuple[float, Any]] = {}
        """objectId -> (when it left, its row): shown dimmed for a moment."""
        self._fields: list[str] = []
        self._index: dict[str, int] = {}
        if columns is not None:
            self._plan(sort)

    def __len__(self) -> int:
        return len(self.rows) + len(self.left)

    @property
    def packed(self) -> bool:
        return self.columns is not None

    def _plan(self, sort: str | None) -> None:
        """The stored fields: the columns, and the sort field when it is not one of them."""
        names = [name for name in self.columns or [] if name != "objectId"]
        field = (sort or "").lstrip("-")
        if field and field != "objectId" and field not in names:
            names.append(field)
        self._fields = list(dict.fromkeys(names))
        self._index = {name: place for place, name in enumerate(self._fields)}

    def pack(self, obj: dict[str, Any]) -> Any:
        """What a row keeps of an object (the object itself before the columns are known)."""
        if not self.packed:
            return obj
        values = [_stored(lookup(obj, name)) for name in self._fields]
        return values[0] if len(values) == 1 else tuple(values)

    def put(self, oid: str, obj: dict[str, Any]) -> bool:
        """Keep ``obj`` as the member ``oid``; True when it was already a member."""
        known = oid in self.rows
        self.rows[oid] = self.pack(obj)
        self.left.pop(oid, None)
        if not self.packed and len(self.rows) >= CHOOSE_AFTER:
            self.choose()
        return known

    def remove(self, oid: str, obj: dict[str, Any], at: float) -> None:
        """The member left: keep its row (or the object's) for a moment, marked."""
        row = self.rows.pop(oid, None)
        self.left[oid] = (at, row if row is not None else self.pack(obj))

    def choose(self) -> list[str]:
        """The columns (chosen from the first rows when not given); rows are then packed."""
        if self.columns is None:
            objects = [row for row in self.rows.values() if isinstance(row, dict)]
            self.columns = choose_columns(objects) if objects else ["objectId", "updatedAt"]
            self._plan(self._sort)
            self.rows = {oid: self.pack(obj) for oid, obj in self.rows.items()}
            self.left = {oid: (at, self.pack(obj)) for oid, (at, obj) in self.left.items()}
        return self.columns

    def value(self, oid: str, row: Any, name: str) -> Any:
        """The value of field ``name`` in a row (``objectId`` is the key)."""
        if name == "objectId":
            return oid
        if not self.packed:
            return _stored(lookup(row, name))
        place = self._index.get(name)
        if place is None:
            return None
        return row if len(self._fields) == 1 else row[place]

    def _key(self, sort: str | None) -> Callable[[Entry], tuple[Any, ...]]:
        if not sort:
            return lambda entry: (entry[0],)
        field = sort.lstrip("-")
        value = self.value
        return lambda entry: (*rank(value(entry[0], entry[1], field)), entry[0])

    def _entries(self) -> Iterator[Entry]:
        members = ((oid, row, False) for oid, row in self.rows.items())
        gone = ((oid, row, True) for oid, (_, row) in self.left.items())
        return chain(members, gone)

    def window(self, sort: str | None, offset: int, count: int) -> list[Entry]:
        """Rows ``offset`` to ``offset + count`` in sort order (ties broken by objectId).

        The window is taken from the nearer end: ``heapq`` then holds
        ``offset + count`` keys (or ``total - offset``), never more than half the set.
        """
        total = len(self)
        offset = max(0, min(offset, total))
        count = max(0, min(count, total - offset))
        if not count:
            return []
        key = self._key(sort)
        descending = (sort or "").startswith("-")
        front, back = offset + count, total - offset
        if front <= back:
            pick = heapq.nlargest if descending else heapq.nsmallest
            return pick(front, self._entries(), key=key)[offset:]
        pick = heapq.nsmallest if descending else heapq.nlargest
        from_end = pick(back, self._entries(), key=key)
        from_end.reverse()
        return from_end[:count]

    def ordered(self, sort: str | None) -> list[Entry]:
        """Every row in sort order (``--once`` prints them all)."""
        key = self._key(sort)
        return sorted(self._entries(), key=key, reverse=(sort or "").startswith("-"))
