"""REST-only query operators, resolved into plain constraints before matching.

``$inQuery``/``$notInQuery`` (objects pointed to by the results of another
query), ``$select``/``$dontSelect`` (a field's values in another query's
results) and ``$relatedTo`` (the members of a relation) need other objects
than the one being tested. The matcher LiveQuery shares with ``find`` tests
one object at a time and refuses them; REST ``find`` resolves them first, as
Parse Server's ``RestQuery`` does: each subquery runs with the caller's
identity (so ACLs apply to it too) and becomes an ``$in``/``$nin`` list of
pointers or values, appended to any ``$in``/``$nin`` already on that field.
``$relatedTo`` becomes an ``objectId`` constraint.

Like Parse, the subquery operators are found anywhere in ``where`` (inside
``$or``/``$and``/``$nor`` too) and ``$relatedTo`` at the top level of a query
or of its logical branches. A subquery's own ``where`` is resolved by the
subquery's ``find``, so nested subqueries work; their depth is bounded by
the nesting limit on ``where`` itself. Each subquery scans a class on the
event loop every client shares, so one request may run at most
``MAX_SUBQUERIES`` of them (Parse Server sets no limit by default; its
``requestComplexity.subqueryDepth`` answers the same 102 when set).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from livequery_cli.matching.limits import MAX_NESTING_DEPTH
from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity, can_read
from livequery_cli.server.documents import CLASS_NAME, pointer, relation_ids
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.query_names import LOGICAL, shown
from livequery_cli.server.rest_errors import ParseApiError

#: ``find(class_name, where, redirect_key) -> (class searched, views of the matches)``.
Finder = Callable[[str, Any, Any], tuple[str, list[JsonObject]]]

# Parse Server resolves them in this order; each becomes the operator beside it.
_SUBQUERY_OPERATORS: Final = (
    ("$select", "$in"),
    ("$dontSelect", "$nin"),
    ("$inQuery", "$in"),
    ("$notInQuery", "$nin"),
)
_SUBQUERY_NAMES: Final = frozenset(op for op, _ in _SUBQUERY_OPERATORS)
MAX_SUBQUERIES: Final = 16


class SubqueryBudget:
    """How many more subqueries one request may run (nested ones included)."""

    def __init__(self, limit: int = MAX_SUBQUERIES) -> None:
        self.limit = limit
        self.left = limit

    def spend(self) -> None:
        if self.left <= 0:
            raise ParseApiError(
                ErrorCode.INVALID_QUERY, f"a query may run at most {self.limit} subqueries"
            )
        self.left -= 1


def _truthy(value: Any) -> bool:
    """JavaScript truthiness, which Parse Server's checks of these operands use."""
    return value is not None and value is not False and value != 0 and value != ""


def _check_nesting(where: Any) -> None:
    stack: list[tuple[Any, int]] = [(where, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING_DEPTH:
            message = f"where is nested more than {MAX_NESTING_DEPTH} levels deep"
            raise ParseApiError(ErrorCode.INVALID_QUERY, message)
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)


def _check_class(class_name: str) -> None:
    if not CLASS_NAME.match(class_name):
        message = f"Invalid class name: {shown(class_name)}"
        raise ParseApiError(ErrorCode.INVALID_CLASS_NAME, message)


def _value_at(view: JsonObject, path: str) -> tuple[bool, Any]:
    value: Any = view
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _run(op: str, operand: Any, find: Finder, budget: SubqueryBudget) -> list[Any]:
    """The ``$in``/``$nin`` list one subquery operator stands for."""
    budget.spend()
    if op in ("$inQuery", "$notInQuery"):
        if not (
            isinstance(operand, dict)
            and _truthy(operand.get("where"))
            and isinstance(operand.get("className"), str)
            and operand["className"]
        ):
            raise ParseApiError(ErrorCode.INVALID_QUERY, f"improper usage of {op}")
        _check_class(operand["className"])
        found_class, views = find(
            operand["className"], operand["where"], operand.get("redirectClassNameForKey")
        )
        return [pointer(found_class, view["objectId"]) for view in views]
    query = operand.get("query") if isinstance(operand, dict) else None
    key = operand.get("key") if isinstance(operand, dict) else None
    if not (
        isinstance(query, dict)
        and isinstance(query.get("className"), str)
        and query["className"]
        and isinstance(key, str)
        and key
        and len(operand) == 2
    ):
        raise ParseApiError(ErrorCode.INVALID_QUERY, f"improper usage of {op}")
    _check_class(query["className"])
    _, views = find(query["className"], query.get("where"), query.get("redirectClassNameForKey"))
    values: list[Any] = []
    for view in views:
        present, value = _value_at(view, key)
        if present:
            values.append(value)
    return values


def _resolve(node: Any, find: Finder, budget: SubqueryBudget) -> Any:
    if isinstance(node, list):
        return [_resolve(item, find, budget) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: _resolve(value, find, budget)
        for key, value in node.items()
        if key not in _SUBQUERY_NAMES
    }
    for op, replacement in _SUBQUERY_OPERATORS:
        if op in node:
            values = _run(op, node[op], find, budget)
            existing = out.get(replacement)
            out[replacement] = existing + values if isinstance(existing, list) else values
    return out


def related_ids(service: ObjectService, identity: Identity, related: Any) -> list[str]:
    """The objectIds in ``$relatedTo``'s relation; none when the owner is unsaved or unreadable."""
    owner = related.get("object") if isinstance(related, dict) else None
    key = related.get("key") if isinstance(related, dict) else None
    if not (isinstance(owner, dict) and isinstance(owner.get("className"), str)):
        raise ParseApiError(ErrorCode.INVALID_QUERY, "$relatedTo needs an object pointer and a key")
    if not isinstance(key, str):
        raise ParseApiError(ErrorCode.INVALID_QUERY, "$relatedTo needs an object pointer and a key")
    object_id = owner.get("objectId")
    if not isinstance(object_id, str):
        return []  # an object not saved yet has no relation members (Parse answers no results)
    body = service.storage.get(owner["className"], object_id)
    # Parse Server checks the owner is readable, so a relation cannot reveal its members.
    if body is None or not can_read(body.get("ACL"), identity):
        return []
    return relation_ids(body, key)


def _reduce_related(query: Any, service: ObjectService, identity: Identity) -> Any:
    if not isinstance(query, dict):
        return query
    query = dict(query)
    for op in LOGICAL:
        branches = query.get(op)
        if isinstance(branches, list):
            query[op] = [_reduce_related(branch, service, identity) for branch in branches]
    if "$relatedTo" not in query:
        return query
    ids = related_ids(service, identity, query.pop("$relatedTo"))
    members = {"$in": ids}
    if "objectId" not in query:
        query["objectId"] = members
        return query
    return {"$and": [query, {"objectId": members}]}


def resolve_where(
    where: Any,
    service: ObjectService,
    identity: Identity,
    find: Finder,
    budget: SubqueryBudget,
) -> Any:
    """``where`` with every subquery and ``$relatedTo`` replaced by plain constraints."""
    if not isinstance(where, dict):
        return where
    _check_nesting(where)
    return _reduce_related(_resolve(where, find, budget), service, identity)
