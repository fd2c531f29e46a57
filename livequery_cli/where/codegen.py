"""Syntax tree -> Parse ``where`` JSON.

Two things need care.

**Negation.** LiveQuery has no ``$not``. ``not`` is pushed down the tree:
through ``and``/``or`` by De Morgan's laws, then onto the condition's dual
operator where Parse has one (``=``/``!=`` -> ``$ne``/plain equality,
``in``/``not in`` -> ``$in``/``$nin``, ``exists``/``missing`` -> ``$exists``
flipped). Ordering comparisons and regexes have no dual that means exactly
"not": ``score <= 100`` would leave out objects without a score, which
``not score > 100`` must include. They are wrapped in ``$nor`` instead, which
LiveQuery evaluates and which is the exact complement.

**Conjunction.** A ``where`` object is itself an AND of its keys, so ANDed
clauses merge into one object. Two constraints on the same field merge into
one operator object when their operators differ (``{"$gt": 1, "$lt": 9}``, as
the JS SDK builds it); when they cannot (two equalities, two ``$or``, the same
operator twice) every clause on that field goes into ``$and``. ``$nor`` lists
concatenate (``not a and not b`` is ``nor(a, b)``).
"""

from __future__ import annotations

from typing import Any

from livequery_cli.parse.json_types import JsonObject
from livequery_cli.parse.values import iso_millis
from livequery_cli.where.nodes import (
    And,
    Comparison,
    DateValue,
    Existence,
    Membership,
    Node,
    Not,
    Or,
    PointerValue,
    Regex,
    Value,
)

Where = JsonObject  # a Parse ``where`` clause

_OPERATORS = {"ne": "$ne", "gt": "$gt", "ge": "$gte", "lt": "$lt", "le": "$lte"}


def encode_value(value: Value) -> Any:
    """An AST value as Parse JSON."""
    if isinstance(value, DateValue):
        return {"__type": "Date", "iso": iso_millis(value.instant)}
    if isinstance(value, PointerValue):
        return {"__type": "Pointer", "className": value.class_name, "objectId": value.object_id}
    if isinstance(value, tuple):
        return [encode_value(v) for v in value]
    return value


def compile_node(node: Node, negate: bool = False) -> Where:
    """The ``where`` object for ``node`` (or for ``not node`` when ``negate``)."""
    if isinstance(node, Not):
        return compile_node(node.operand, not negate)
    if isinstance(node, And):
        if negate:
            return any_of([compile_node(n, True) for n in node.operands])
        return all_of([compile_node(n) for n in node.operands])
    if isinstance(node, Or):
        if negate:
            return all_of([compile_node(n, True) for n in node.operands])
        return any_of([compile_node(n) for n in node.operands])
    key = ".".join(node.path)
    if isinstance(node, Comparison):
        value = encode_value(node.value)
        if node.op in ("eq", "ne"):
            equal = (node.op == "eq") != negate
            return {key: value} if equal else {key: {"$ne": value}}
        where: Where = {key: {_OPERATORS[node.op]: value}}
        return {"$nor": [where]} if negate else where
    if isinstance(node, Regex):
        constraint: dict[str, Any] = {"$regex": node.pattern}
        if node.flags:
            constraint["$options"] = node.flags
        return {"$nor": [{key: constraint}]} if negate else {key: constraint}
    if isinstance(node, Membership):
        values = [encode_value(v) for v in node.values]
        return {key: {"$nin" if node.negated != negate else "$in": values}}
    if isinstance(node, Existence):
        return {key: {"$exists": node.exists != negate}}
    raise TypeError(f"not a where syntax node: {node!r}")


def any_of(clauses: list[Where]) -> Where:
    """``$or`` of the clauses, splicing in clauses that are themselves a lone ``$or``."""
    flat: list[Where] = []
    for clause in clauses:
        if len(clause) == 1 and "$or" in clause:
            flat.extend(clause["$or"])
        else:
            flat.append(clause)
    return {"$or": flat}


def _is_operator_object(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and k.startswith("$") for k in value)
    )


# Parse's matcher returns early on a geo operator, skipping the key's other operators.
_GEO = frozenset({"$nearSphere", "$maxDistance", "$within", "$geoWithin", "$geoIntersects"})


def _mergeable(a: Any, b: Any) -> bool:
    """Whether two constraints on one key mean the same as one object holding both."""
    if not (_is_operator_object(a) and _is_operator_object(b)) or a.keys() & b.keys():
        return False
    if (a.keys() | b.keys()) & _GEO:
        return False
    # ``$options`` qualifies the ``$regex`` beside it: never lend it to another one.
    return not (("$options" in a and "$regex" in b) or ("$options" in b and "$regex" in a))


def _is_clause_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def all_of(clauses: list[Where]) -> Where:
    """One ``where`` equivalent to the AND of ``clauses``, merged as far as it can be.

    Works on any ``where`` objects (also ones given as JSON), not only compiled ones.
    """
    by_key: dict[str, list[Any]] = {}
    nor: list[Any] = []
    pending = list(clauses)
    while pending:
        clause = pending.pop(0)
        for key, value in clause.items():
            if key == "$and" and _is_clause_list(value):
                # A nested conjunction is part of this one: merge its clauses too.
                pending[0:0] = value
            elif key == "$nor" and _is_clause_list(value):
                nor.extend(value)
            else:
                by_key.setdefault(key, []).append(value)
    result: Where = {}
    collided: list[Where] = []
    for key, values in by_key.items():
        groups: list[Any] = []
        for value in values:
            for i, group in enumerate(groups):
                if _mergeable(group, value):
                    groups[i] = {**group, **value}
                    break
            else:
                groups.append(value)
        if len(groups) == 1:
            result[key] = groups[0]
        else:
            collided.extend({key: group} for group in groups)
    if nor:
        result["$nor"] = nor
    if collided:
        if "$and" in result:  # a malformed $and kept as given: one more conjunct
            collided.insert(0, {"$and": result.pop("$and")})
        result["$and"] = collided
    return result


def compile_tree(node: Node) -> Where:
    """The Parse ``where`` JSON for a syntax tree."""
    return compile_node(node)
