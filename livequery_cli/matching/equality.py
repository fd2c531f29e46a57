"""Equality constraints: ``{"field": value}`` and ``$eq``.

Parse's rule, kept: a scalar (or a pointer, a date, ...) against an array field
means "the array contains it". Beyond Parse's LiveQuery, and the way Parse
REST ``find`` (MongoDB) behaves, so that REST and LiveQuery agree:

- ``null`` matches a field that is ``null`` *or missing* (Parse's LiveQuery
  never matches ``null``, so ``equalTo("x", null)`` and
  ``notEqualTo("x", null)`` behaved oddly live);
- an array or a plain sub-object compares by value (Parse's LiveQuery never
  matches them; an empty one matched everything);
- ``$eq`` also means "contains" on an array field, exactly like the implicit
  form (in Parse's LiveQuery ``$eq`` does not look inside arrays).

Every predicate built here takes the field's value (``MISSING`` when absent).
"""

from __future__ import annotations

from collections.abc import Callable

from livequery_cli.matching.canonical import MISSING, canonical, canonical_time

__all__ = ["ValuePredicate", "equals", "is_null"]

ValuePredicate = Callable[[object], bool]


def is_null(value: object) -> bool:
    """The ``null`` equality: missing, ``null``, or an array containing ``null``."""
    if value is None or value is MISSING:
        return True
    return value.__class__ is list and any(item is None for item in value)


def equals(target: object, *, time: bool = False) -> ValuePredicate:
    """A predicate true for values equal to ``target``, or arrays containing it.

    ``time`` selects the ``createdAt``/``updatedAt`` reading, where ISO
    strings and ``Date`` values are the same instants.
    """
    if target is None:
        return is_null
    kind = target.__class__
    if kind is str and not time:
        return _equals_string(target)  # type: ignore[arg-type]
    if kind is int or kind is float:
        return _equals_number(target)  # type: ignore[arg-type]
    canon = canonical_time if time else canonical
    key = canon(target)

    def equal(value: object) -> bool:
        if value.__class__ is list and any(canon(item) == key for item in value):
            return True
        return canon(value) == key

    return equal


def _equals_string(target: str) -> ValuePredicate:
    def equal(value: object) -> bool:
        kind = value.__class__
        if kind is str:
            return value == target
        if kind is list:
            return target in value  # type: ignore[operator]
        return False

    return equal


def _equals_number(target: float) -> ValuePredicate:
    def equal(value: object) -> bool:
        kind = value.__class__
        if kind is int or kind is float:
            return value == target
        if kind is list:
            return any(
                (item.__class__ is int or item.__class__ is float) and item == target
                for item in value  # type: ignore[attr-defined]
            )
        return False

    return equal
