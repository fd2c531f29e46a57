"""What a ``where`` may cost, measured before it is compiled.

A query is compiled inside the server's event loop, and a subscription keeps
its compiled form (and the parsed ``where``) for as long as it lives. Without
bounds, one anonymous ``subscribe`` of a 0.85 MB ``$in`` list took 0.3 s of
event loop and kept ~43 MB, and forty of them grew the server past 1.7 GB.
``measure_where`` walks the JSON once, iteratively, and refuses (``QueryError``,
code 102, in REST ``find`` and ``subscribe`` alike) before anything is built:

- ``MAX_NESTING_DEPTH``: objects and arrays nested deeper than this;
- ``MAX_QUERY_LIST_ITEMS``: an ``$in``, ``$nin``, ``$all`` or ``$containedBy``
  list longer than this (checked before its items are looked at);
- ``MAX_QUERY_NODES``: more JSON values in all (objects, arrays, scalars);
- ``MAX_QUERY_CONDITIONS``: more fields, operators and ``$or``/``$and``/
  ``$nor`` branches (each is compiled into a closure of its own: they cost
  the most time and memory per byte);
- ``MAX_QUERY_BYTES``: more bytes of JSON, roughly (keys, strings as UTF-8,
  8 per number).

What passes gets a ``QueryCost`` whose ``memory`` estimates, as an upper
bound, the bytes a subscription to it holds: the parsed ``where``, the
compiled matcher (sets for ``$in``, RE2 programs) and its filing in the
subscription index. The constants are measured (``tests/matching/
test_query_cost.py`` checks the estimate against ``tracemalloc`` for the
shapes that cost most per byte). The LiveQuery server charges each
connection's subscriptions against a budget with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from livequery_cli.exceptions import QueryError
from livequery_cli.matching.limits import (
    MAX_INDEXED_VALUES,
    MAX_NESTING_DEPTH,
    MAX_QUERY_BYTES,
    MAX_QUERY_CONDITIONS,
    MAX_QUERY_LIST_ITEMS,
    MAX_QUERY_NODES,
    REGEX_MAX_MEM,
)

__all__ = ["QueryCost", "measure_where"]

_LIST_OPERATORS: Final = frozenset({"$in", "$nin", "$all", "$containedBy"})
_LOGICAL: Final = frozenset({"$or", "$and", "$nor"})

# What a JSON value is to the compiler: a query (keys are fields or $or/$and/
# $nor), a list of queries, a field's constraint (``{"$op": ...}`` or a value)
# or a plain value (an operand, or a value compared for equality).
_QUERY, _QUERIES, _CONSTRAINT, _VALUE = range(4)

# Bytes held, beyond a fixed cost per subscription: per condition (a field,
# operator or logical branch: a compiled closure and its index filing), per
# JSON value, per value of an indexable $in (a bucket of its own in the
# subscription index), and per byte of JSON text. Measured on CPython 3.11
# with the shapes in test_query_cost, then rounded up.
_BASE_MEMORY: Final = 4096
_CONDITION_MEMORY: Final = 1024
_NODE_MEMORY: Final = 160
_INDEXED_VALUE_MEMORY: Final = 512
_BYTE_MEMORY: Final = 3


@dataclass(frozen=True, slots=True)
class QueryCost:
    """The size of one ``where``: conditions, JSON values, bytes, ``$regex`` operators."""

    conditions: int
    nodes: int
    size: int
    indexed_values: int
    regexes: int

    @property
    def memory(self) -> int:
        """Estimated bytes a subscription to this ``where`` holds (an upper bound)."""
        return (
            _BASE_MEMORY
            + self.conditions * _CONDITION_MEMORY
            + self.nodes * _NODE_MEMORY
            + self.indexed_values * _INDEXED_VALUE_MEMORY
            + self.size * _BYTE_MEMORY
            + self.regexes * REGEX_MAX_MEM
        )


def _text_bytes(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


class _Walk:
    """The counters of one ``measure_where``, each checked as soon as it grows."""

    __slots__ = ("conditions", "indexed_values", "nodes", "regexes", "size")

    def __init__(self) -> None:
        self.conditions = self.nodes = self.size = self.indexed_values = self.regexes = 0

    def add_nodes(self, count: int) -> None:
        self.nodes += count
        if self.nodes > MAX_QUERY_NODES:
            raise QueryError(f"Query has more than the maximum allowed {MAX_QUERY_NODES} values")

    def add_condition(self) -> None:
        self.conditions += 1
        if self.conditions > MAX_QUERY_CONDITIONS:
            raise QueryError(
                f"Query has more than the maximum allowed {MAX_QUERY_CONDITIONS} conditions"
            )

    def add_bytes(self, count: int) -> None:
        self.size += count
        if self.size > MAX_QUERY_BYTES:
            raise QueryError(f"Query is larger than the maximum allowed {MAX_QUERY_BYTES} bytes")

    def list_operand(self, op: str, items: list[object]) -> None:
        if len(items) > MAX_QUERY_LIST_ITEMS:
            raise QueryError(
                f"{op} has {len(items)} values, more than the maximum allowed "
                f"{MAX_QUERY_LIST_ITEMS}"
            )
        if op == "$in" and len(items) <= MAX_INDEXED_VALUES:
            self.indexed_values += len(items)


def _child_kind(kind: int, key: object, value: object) -> int:
    if kind == _QUERY:
        return _QUERIES if key in _LOGICAL else _CONSTRAINT
    return _VALUE


def _is_operator_map(node: Mapping[object, object]) -> bool:
    return "__type" not in node and any(
        isinstance(key, str) and key.startswith("$") for key in node
    )


def measure_where(where: Mapping[str, object]) -> QueryCost:
    """The cost of ``where``; ``QueryError`` if it is over a limit.

    Values are counted when their container is reached, so an oversized list
    is refused before a single one of its items is visited.
    """
    walk = _Walk()
    walk.add_nodes(1)
    stack: list[tuple[object, int, int]] = [(where, 1, _QUERY)]
    while stack:
        node, depth, kind = stack.pop()
        if depth > MAX_NESTING_DEPTH:
            raise QueryError(f"where is nested more than {MAX_NESTING_DEPTH} levels deep")
        if isinstance(node, Mapping):
            if kind == _CONSTRAINT and not _is_operator_map(node):
                kind = _VALUE
            walk.add_nodes(len(node))
            walk.add_bytes(2)
            for key, value in node.items():
                walk.add_bytes(_text_bytes(key) + 4 if isinstance(key, str) else 8)
                if kind != _VALUE:
                    walk.add_condition()
                    if key in _LIST_OPERATORS and isinstance(value, list):
                        walk.list_operand(key, value)
                    elif key == "$regex":
                        walk.regexes += 1
                stack.append((value, depth + 1, _child_kind(kind, key, value)))
        elif isinstance(node, list):
            walk.add_nodes(len(node))
            walk.add_bytes(2 + len(node))
            item_kind = _QUERY if kind == _QUERIES else _VALUE
            stack.extend((item, depth + 1, item_kind) for item in node)
        elif isinstance(node, str):
            walk.add_bytes(_text_bytes(node) + 2)
        else:
            walk.add_bytes(8)
    return QueryCost(walk.conditions, walk.nodes, walk.size, walk.indexed_values, walk.regexes)
