"""``where`` → ``Matcher``: compile a Parse query once, run it on every write.

A subscription's query is compiled when the client subscribes; each write then
costs one call of a tree of small closures per candidate subscription, with
every operand already checked, decoded and (for ``$regex``) compiled.
Compiling is also validating: anything LiveQuery cannot evaluate raises
``QueryError`` with a one-line reason, so ``validate_where`` is simply
``compile_where`` with the result discarded and the two can never disagree.

Query structure, as in Parse: the keys of a ``where`` object must all hold;
``$or``/``$and``/``$nor`` take arrays of ``where`` objects; a dotted key
(``"address.city"``) reads into sub-objects. ``$relatedTo`` and other
top-level ``$`` keys are refused. Limits are in ``livequery_cli.matching.limits``;
the size of a query is measured, and refused if too large, before anything
is compiled (``query_cost``), and the measure stays on the ``Matcher``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Final

import orjson

from livequery_cli.exceptions import QueryError
from livequery_cli.matching.canonical import MISSING, TIME_FIELDS, lookup_path
from livequery_cli.matching.limits import MAX_LOGICAL_DEPTH
from livequery_cli.matching.messages import quoted
from livequery_cli.matching.operators import all_of, compile_constraint, unsupported
from livequery_cli.matching.query_cost import QueryCost, measure_where

__all__ = ["Matcher", "ObjectPredicate", "compile_where", "matches", "validate_where"]

ObjectPredicate = Callable[[Mapping[str, object]], bool]

_LOGICAL: Final = frozenset({"$or", "$and", "$nor"})


class Matcher:
    """A compiled ``where``: ``matcher(obj)`` tells whether a Parse REST JSON object matches."""

    __slots__ = ("_test", "cost", "where")

    def __init__(self, where: Mapping[str, object], test: ObjectPredicate, cost: QueryCost) -> None:
        self.where = where
        self.cost = cost
        self._test = test

    def __call__(self, obj: Mapping[str, object]) -> bool:
        return self._test(obj)

    def __repr__(self) -> str:
        return f"Matcher({orjson.dumps(self.where, default=repr).decode()})"


def compile_where(where: object, cost: QueryCost | None = None) -> Matcher:
    """Compile a Parse query's ``where``; ``QueryError`` if LiveQuery cannot run it.

    ``cost``: what ``measure_where`` already returned for this ``where``, if
    the caller measured it first (to check a budget before compiling).
    """
    if not isinstance(where, Mapping):
        raise QueryError("where must be a JSON object")
    if cost is None:
        cost = measure_where(where)
    return Matcher(where, _compile_query(where, 0), cost)


def validate_where(where: object) -> None:
    """Raise ``QueryError`` naming the operator or shape LiveQuery cannot evaluate."""
    compile_where(where)


def matches(obj: Mapping[str, object], where: Mapping[str, object]) -> bool:
    """Whether ``obj`` matches ``where``; compiles (with a small cache) on each call.

    For one query against many objects, ``compile_where`` once instead.
    """
    try:
        key = orjson.dumps(where, option=orjson.OPT_SORT_KEYS).decode()
    except TypeError:
        return compile_where(where)(obj)
    return _compiled(key)(obj)


@lru_cache(maxsize=256)
def _compiled(canonical_json: str) -> Matcher:
    return compile_where(orjson.loads(canonical_json))


def _always(obj: Mapping[str, object]) -> bool:
    return True


def _compile_query(where: Mapping[str, object], depth: int) -> ObjectPredicate:
    predicates: list[ObjectPredicate] = []
    for key, constraint in where.items():
        if not isinstance(key, str):
            raise QueryError("where keys must be strings")
        if key in _LOGICAL:
            predicates.append(_compile_logical(key, constraint, depth))
        elif key.startswith("$"):
            raise unsupported(key)
        else:
            predicates.append(_compile_field(key, constraint))
    return all_of(predicates) if predicates else _always


def _compile_logical(op: str, operand: object, depth: int) -> ObjectPredicate:
    if not isinstance(operand, list) or not all(isinstance(q, Mapping) for q in operand):
        raise QueryError(f"{op} must be an array of queries")
    if depth >= MAX_LOGICAL_DEPTH:
        raise QueryError(f"$or/$and/$nor are nested more than {MAX_LOGICAL_DEPTH} levels deep")
    branches = tuple(_compile_query(query, depth + 1) for query in operand)
    if op == "$and":
        return all_of(branches) if branches else _always

    def any_branch(obj: Mapping[str, object]) -> bool:
        return any(branch(obj) for branch in branches)

    if op == "$or":
        return any_branch
    return lambda obj: not any_branch(obj)


def _compile_field(key: str, constraint: object) -> ObjectPredicate:
    if "." not in key:
        test = compile_constraint(key, constraint, time=key in TIME_FIELDS)
        return lambda obj: test(obj.get(key, MISSING))
    parts = tuple(key.split("."))
    if not all(parts):
        raise QueryError(f"field path {quoted(key)} has an empty segment")
    test = compile_constraint(key, constraint)
    return lambda obj: test(lookup_path(obj, parts))
