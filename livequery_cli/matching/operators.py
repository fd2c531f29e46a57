"""Field operators: the ``{"$op": operand, ...}`` side of a constraint.

``compile_constraint`` turns the constraint on one field into a predicate over
that field's value, checking every operand once, at compile time, so that a
subscription with a malformed operand is refused at subscribe time instead of
never matching. All operators on a field must hold (Parse's LiveQuery returned
early after a geo operator or ``$containedBy``, silently ignoring the other
operators on the same field; here they all apply).

Semantics, where they go beyond Parse's LiveQuery (each of these is what Parse
REST ``find`` does on MongoDB, so REST and LiveQuery agree):

- ``$lt $lte $gt $gte``: only values of the operand's kind compare (numbers,
  strings, dates, booleans); a missing field never matches. On arrays, any
  element may satisfy the bound.
- ``$ne`` is the negation of equality (so ``{"$ne": "a"}`` rejects an array
  containing ``"a"``, and ``{"$ne": null}`` rejects a missing field).
- ``$in``/``$nin``/``$all``/``$containedBy`` compare by value: dates as
  instants, pointers by class and id. In ``$in``/``$nin``/``$containedBy`` a
  pointer also matches its bare ``objectId`` (Parse's rule); ``null`` in
  ``$in`` also matches a missing field.
- ``$all`` needs an array field (or a single value equal to every element);
  Parse's LiveQuery did substring search on string fields.
- ``$regex`` tests strings only (or any string in an array); Parse's LiveQuery
  tested the text ``"undefined"`` for a missing field. Strings too long for
  the pattern's work limit never match (see ``limits``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeVar

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import geo_operators
from livequery_cli.matching.canonical import MISSING, canonical, canonical_time, order_key
from livequery_cli.matching.equality import ValuePredicate, equals
from livequery_cli.matching.messages import quoted
from livequery_cli.matching.regex import compile_regex

__all__ = [
    "UNSUPPORTED_OPERATORS",
    "UnsupportedOperator",
    "all_of",
    "compile_constraint",
    "unsupported",
]

X = TypeVar("X")

# Operators Parse knows but LiveQuery cannot evaluate, and why (the reason goes in the error).
UNSUPPORTED_OPERATORS: Final[Mapping[str, str]] = {
    "$select": "it needs the results of another query",
    "$dontSelect": "it needs the results of another query",
    "$inQuery": "it needs the results of another query",
    "$notInQuery": "it needs the results of another query",
    "$relatedTo": "relations are not part of the object",
    "$text": "full-text search needs a text index",
    "$elemMatch": "Parse LiveQuery does not support it",
    "$not": "Parse LiveQuery does not support it",
    "$relativeTime": "relative times are not supported live",
}

_COMPARISONS: Final[Mapping[str, Callable[[Any, Any], Any]]] = {
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
}

# Operators that only modify another one on the same field.
_MODIFIERS: Final[Mapping[str, str]] = {
    "$options": "$regex",
    **{name: "$nearSphere" for name in geo_operators.DISTANCE_OPERATORS},
}

Builder = Callable[[str, str, object, Mapping[str, object], bool], ValuePredicate]


class UnsupportedOperator(QueryError):
    """A Parse operator the matcher does not evaluate; ``op`` names it.

    The message speaks for LiveQuery; REST ``find`` resolves some of these
    operators itself before matching and words its own message from ``op``.
    """

    def __init__(self, op: str, message: str) -> None:
        super().__init__(message)
        self.op = op


def unsupported(op: str) -> UnsupportedOperator:
    """The error for an operator LiveQuery cannot evaluate (or does not know)."""
    reason = UNSUPPORTED_OPERATORS.get(op)
    if reason is not None:
        return UnsupportedOperator(op, f"LiveQuery cannot evaluate {op}: {reason}")
    return UnsupportedOperator(op, f"unknown query operator {quoted(op)}")


def all_of(predicates: Sequence[Callable[[X], bool]]) -> Callable[[X], bool]:
    """The conjunction of predicates, without a loop for the common one- and two-term cases."""
    if len(predicates) == 1:
        return predicates[0]
    if len(predicates) == 2:
        first, second = predicates

        def both(value: X) -> bool:
            return first(value) and second(value)

        return both
    terms = tuple(predicates)

    def every(value: X) -> bool:
        return all(term(value) for term in terms)

    return every


def compile_constraint(field: str, constraint: object, *, time: bool = False) -> ValuePredicate:
    """The predicate over a field's value for ``{field: constraint}``.

    Builders receive the field name already quoted for messages.
    """
    if not isinstance(constraint, Mapping) or "__type" in constraint or not constraint:
        return equals(constraint, time=time)
    names = [str(name) for name in constraint]
    operators = [name for name in names if name.startswith("$")]
    if not operators:
        return equals(constraint, time=time)
    field = quoted(field)
    if len(operators) != len(names):
        raise QueryError(f"the constraint on {field} mixes $operators with plain keys")
    predicates: list[ValuePredicate] = []
    for op, operand in constraint.items():
        modified = _MODIFIERS.get(op)
        if modified is not None:
            if modified not in constraint:
                raise QueryError(f"{op} on {field} needs {modified} beside it")
            continue
        builder = _BUILDERS.get(op)
        if builder is None:
            raise unsupported(op)
        predicates.append(builder(op, field, operand, constraint, time))
    return all_of(predicates)


def _any_item(test: ValuePredicate) -> ValuePredicate:
    """``test`` on a value, or on any element when the value is an array."""

    def check(value: object) -> bool:
        if value.__class__ is list:
            return any(test(item) for item in value)
        return test(value)

    return check


def _comparison(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    bound = order_key(operand, time=time)
    if bound is None:
        raise QueryError(f"{op} on {field} needs a number, string, date or boolean")
    bracket, limit = bound
    compare = _COMPARISONS[op]
    if bracket == 0:

        def number(value: object) -> bool:
            kind = value.__class__
            return (kind is int or kind is float) and bool(compare(value, limit))

        return _any_item(number)

    def ordered(value: object) -> bool:
        key = order_key(value, time=time)
        return key is not None and key[0] == bracket and bool(compare(key[1], limit))

    return _any_item(ordered)


def _eq(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    return equals(operand, time=time)


def _ne(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    equal = equals(operand, time=time)
    return lambda value: not equal(value)


def _array_operand(op: str, field: str, operand: object) -> list[object]:
    if not isinstance(operand, list):
        raise QueryError(f"{op} on {field} needs an array")
    return operand


def membership(operand: list[object], *, time: bool = False) -> ValuePredicate:
    """Parse's ``contains(haystack, value)``: is the value (or an element of it) listed?"""
    canon = canonical_time if time else canonical
    keys = frozenset(canon(item) for item in operand)
    has_null = None in keys
    # A string's canonical key is the string itself (and no other value's is a
    # str), so ``keys`` already holds the bare ids: no second set of them
    # (except on createdAt/updatedAt, where ISO strings become instants).
    bare_ids = any(item.__class__ is str for item in operand)
    ids = frozenset(item for item in operand if item.__class__ is str) if time else keys

    def listed(value: object) -> bool:
        if value is None or value is MISSING:
            return has_null
        if canon(value) in keys:
            return True
        if bare_ids and isinstance(value, Mapping):
            object_id = value.get("objectId")
            return (
                value.get("__type") in ("Pointer", "Object")
                and isinstance(object_id, str)
                and object_id in ids
            )
        return False

    def contains(value: object) -> bool:
        if value.__class__ is list:
            return canon(value) in keys or any(listed(item) for item in value)
        return listed(value)

    return contains


def _in(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    return membership(_array_operand(op, field, operand), time=time)


def _nin(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    contains = membership(_array_operand(op, field, operand), time=time)
    return lambda value: not contains(value)


def _all(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    canon = canonical_time if time else canonical
    wanted = tuple(canon(item) for item in _array_operand(op, field, operand))

    def has_all(value: object) -> bool:
        if value is MISSING:
            return False
        items = value if value.__class__ is list else [value]
        present = {canon(item) for item in items}
        return all(key in present for key in wanted)

    return has_all


def _contained_by(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    listed = membership(_array_operand(op, field, operand), time=time)

    def contained(value: object) -> bool:
        if value.__class__ is not list:
            return False
        return all(listed(item) for item in value)

    return contained


def _exists(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    if operand is True:
        return lambda value: value is not MISSING
    if operand is False:
        return lambda value: value is MISSING
    raise QueryError(f"$exists on {field} needs true or false")


def _regex(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    if not isinstance(operand, str):
        raise QueryError(f"$regex on {field} needs a string")
    options = spec.get("$options", "")
    if not isinstance(options, str):
        raise QueryError(f"$options on {field} needs a string")
    found_in = compile_regex(operand, options).found_in

    def found(value: object) -> bool:
        return value.__class__ is str and found_in(value)

    return _any_item(found)


_BUILDERS: Final[Mapping[str, Builder]] = {
    "$lt": _comparison,
    "$lte": _comparison,
    "$gt": _comparison,
    "$gte": _comparison,
    "$eq": _eq,
    "$ne": _ne,
    "$in": _in,
    "$nin": _nin,
    "$all": _all,
    "$containedBy": _contained_by,
    "$exists": _exists,
    "$regex": _regex,
    "$nearSphere": geo_operators.near_sphere,
    "$within": geo_operators.within,
    "$geoWithin": geo_operators.geo_within,
    "$geoIntersects": geo_operators.geo_intersects,
}
