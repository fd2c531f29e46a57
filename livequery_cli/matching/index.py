"""``SubscriptionIndex``: which subscriptions may match a write, without scanning them all.

Parse Server tests every subscription on a class against every write to it,
so a write costs time proportional to all subscriptions. Most live queries
pin a field to a value (``{"room": "lobby"}``, ``{"objectId": ...}``,
``{"owner": <pointer>}``, ``{"status": {"$in": [...]}}``), and an object can
only match such a query if it carries that value. The index maps
``class → field → value → subscriptions``; a write looks up the object's own
values of the indexed fields, a handful of dictionary probes, and gets back
only the subscriptions that can possibly match, plus those with no usable
equality (the fallback bucket, always returned).

For each subscription one *key set* is chosen: pairs ``(field, value)`` such
that any matching object has ``field`` equal to (or, for arrays, containing)
at least one of the values. From the top-level ``where`` (an AND of
constraints) the smallest available key set is taken:

- ``field: scalar | pointer`` or ``{"$eq": ...}``: one pair;
- ``{"$in": [...]}`` of scalars and pointers: one pair per element (a bare
  ``objectId`` also stands for pointers to that id), up to
  ``MAX_INDEXED_VALUES`` elements: each pair is a bucket (a set) of its own,
  and filing a 10,000-value ``$in`` under every value cost more memory than
  everything else about the subscription together. A longer ``$in`` is
  not indexable; its matcher tests it in constant time anyway;
- ``$and``: the smallest key set of its branches;
- ``$or``: the union of its branches' key sets, if every branch has one.

``null``, arrays, sub-objects, dotted paths and ``createdAt``/``updatedAt``
are never indexed. ``candidates`` is therefore always a superset of the
subscriptions whose query matches: callers still run each candidate's
matcher. Subscriptions are any hashable handles; the caller keeps the
compiled matcher alongside.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from livequery_cli.matching.canonical import MISSING, TIME_FIELDS, canonical
from livequery_cli.matching.limits import MAX_INDEXED_VALUES

__all__ = ["SubscriptionIndex", "index_key_options", "index_keys"]

S = TypeVar("S", bound=Hashable)

IndexKey = tuple[str, Hashable]
_POINTER_TYPES = ("Pointer", "Object")


def _scalar_key(value: object) -> Hashable | None:
    """The index key of an indexable operand: a string, number, boolean or pointer."""
    kind = value.__class__
    if kind is str or kind is int or kind is float or kind is bool:
        return canonical(value)
    if isinstance(value, Mapping) and value.get("__type") in _POINTER_TYPES:
        class_name, object_id = value.get("className"), value.get("objectId")
        if isinstance(class_name, str) and isinstance(object_id, str):
            return canonical(value)
    return None


def _constraint_keys(name: str, constraint: object) -> frozenset[IndexKey] | None:
    key = _scalar_key(constraint)
    if key is not None:
        return frozenset({(name, key)})
    if not isinstance(constraint, Mapping) or "__type" in constraint:
        return None
    best: frozenset[IndexKey] | None = None
    if "$eq" in constraint:
        key = _scalar_key(constraint["$eq"])
        if key is not None:
            best = frozenset({(name, key)})
    members = constraint.get("$in")
    if isinstance(members, list) and len(members) <= MAX_INDEXED_VALUES:
        keys = [_scalar_key(item) for item in members]
        if all(k is not None for k in keys):
            found = frozenset((name, k) for k in keys)
            if best is None or len(found) < len(best):
                best = found
    return best


def index_keys(where: Mapping[str, object]) -> frozenset[IndexKey] | None:
    """The smallest key set a subscription to ``where`` can be filed under; ``None`` = fallback."""
    options = index_key_options(where)
    return min(options, key=len) if options else None


def index_key_options(where: Mapping[str, object]) -> list[frozenset[IndexKey]]:
    """Every key set ``where`` could be filed under, one per indexable top-level constraint.

    The index picks among the smallest by how full their buckets already are:
    with ``{run: TAG, slot: i}`` every subscription shares ``run`` but not
    ``slot``, and filing them all under ``run`` would make each write test
    every one of them.
    """
    options: list[frozenset[IndexKey]] = []
    for name, constraint in where.items():
        found: frozenset[IndexKey] | None = None
        if name == "$and" and isinstance(constraint, list):
            for branch in constraint:
                keys = index_keys(branch) if isinstance(branch, Mapping) else None
                if keys is not None and (found is None or len(keys) < len(found)):
                    found = keys
        elif name == "$or" and isinstance(constraint, list):
            union: set[IndexKey] = set()
            for branch in constraint:
                keys = index_keys(branch) if isinstance(branch, Mapping) else None
                if keys is None:
                    break
                union |= keys
            else:
                found = frozenset(union)
        elif not name.startswith("$") and "." not in name and name not in TIME_FIELDS:
            found = _constraint_keys(name, constraint)
        if found is not None and len(found) <= MAX_INDEXED_VALUES:
            options.append(found)
    return options


def _value_keys(value: object) -> Iterator[Hashable]:
    """The index keys an object's field value can satisfy (elements of arrays included)."""
    kind = value.__class__
    if kind is str or kind is int or kind is float:
        yield value
    elif kind is bool:
        yield canonical(value)
    elif kind is list:
        for item in value:  # type: ignore[attr-defined]
            if item.__class__ is not list:
                yield from _value_keys(item)
    elif isinstance(value, Mapping) and value.get("__type") in _POINTER_TYPES:
        yield canonical(value)
        object_id = value.get("objectId")
        if isinstance(object_id, str):
            yield object_id


@dataclass
class _ClassIndex(Generic[S]):
    by_field: dict[str, dict[Hashable, set[S]]] = field(default_factory=dict)
    fallback: set[S] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.by_field or self.fallback)

    def emptiest(self, options: list[frozenset[IndexKey]]) -> frozenset[IndexKey] | None:
        """Of the smallest key sets, the one whose buckets hold the fewest subscriptions."""
        if not options:
            return None
        fewest = min(len(keys) for keys in options)

        def load(keys: frozenset[IndexKey]) -> int:
            return sum(len(self.by_field.get(name, {}).get(key, ())) for name, key in keys)

        return min((keys for keys in options if len(keys) == fewest), key=load)


class SubscriptionIndex(Generic[S]):
    """Subscriptions filed by class and by one equality key set each."""

    def __init__(self) -> None:
        self._classes: dict[str, _ClassIndex[S]] = {}
        self._entries: dict[S, tuple[str, frozenset[IndexKey] | None]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, subscription: object) -> bool:
        return subscription in self._entries

    def add(self, subscription: S, class_name: str, where: Mapping[str, object]) -> None:
        """File ``subscription`` (replacing any earlier filing of the same handle)."""
        self.remove(subscription)
        index = self._classes.setdefault(class_name, _ClassIndex())
        keys = index.emptiest(index_key_options(where))
        self._entries[subscription] = (class_name, keys)
        if keys is None:
            index.fallback.add(subscription)
            return
        for name, key in keys:
            index.by_field.setdefault(name, {}).setdefault(key, set()).add(subscription)

    def remove(self, subscription: S) -> bool:
        """Forget ``subscription``; ``False`` if it was not filed."""
        entry = self._entries.pop(subscription, None)
        if entry is None:
            return False
        class_name, keys = entry
        index = self._classes.get(class_name)
        if index is None:
            # Filed under an empty key set (``{"f": {"$in": []}}`` matches nothing, so
            # it sits in no bucket), and the class's last filed subscription is gone.
            return True
        if keys is None:
            index.fallback.discard(subscription)
        else:
            for name, key in keys:
                buckets = index.by_field[name]
                bucket = buckets[key]
                bucket.discard(subscription)
                if not bucket:
                    del buckets[key]
                    if not buckets:
                        del index.by_field[name]
        if not index:
            del self._classes[class_name]
        return True

    def candidates(
        self,
        class_name: str,
        original: Mapping[str, object] | None,
        current: Mapping[str, object] | None,
    ) -> set[S]:
        """Subscriptions on ``class_name`` that may match ``original`` or ``current``."""
        index = self._classes.get(class_name)
        if index is None:
            return set()
        found = set(index.fallback)
        for version in (original, current):
            if version is None:
                continue
            for name, buckets in index.by_field.items():
                value = version.get(name, MISSING)
                if value is MISSING:
                    continue
                for key in _value_keys(value):
                    bucket = buckets.get(key)
                    if bucket:
                        found |= bucket
        return found
