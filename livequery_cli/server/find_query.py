"""REST ``find``: ``where``, ``order``, ``limit``, ``skip``, ``keys``, ``count`` and friends.

``where`` is evaluated by the same matcher LiveQuery uses
(``livequery_cli.matching``), so a query returns exactly the objects a
subscription with the same ``where`` would call matching. The REST-only
operators (``$inQuery``, ``$select``, ``$relatedTo`` ...) are resolved into
plain constraints first (``subqueries``); key names follow Parse's rules
(``query_names``); ``keys``/``excludeKeys`` (``projection``) and ``include``
(``include``) shape the page. Operators the matcher cannot evaluate are
rejected with Parse's code 102 rather than silently returning nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import orjson

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import (
    UNSUPPORTED_OPERATORS,
    Matcher,
    UnsupportedOperator,
    compile_where,
)
from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity, can_read
from livequery_cli.server.documents import RELATIONS, pointer, relation_ids
from livequery_cli.server.include import include_pointers, read_options
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.projection import key_list, project_keys, relation_fields, shape
from livequery_cli.server.query_names import (
    check_protected_fields,
    check_where_keys,
    sort_fields,
)
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.schema import class_fields
from livequery_cli.server.subqueries import SubqueryBudget, resolve_where

# ``key_list`` and ``project_keys`` lived here before ``projection`` held them.
__all__ = ["check_where", "get_one", "key_list", "project_keys", "redirected_class", "run_find"]

DEFAULT_LIMIT = 100
# Why find refuses an operator the matcher does not evaluate (the matcher's own reasons speak
# for LiveQuery).
_NOT_IN_FIND: Final[Mapping[str, str]] = {
    "$text": "full-text search needs a text index, which lq serve does not keep",
    "$relatedTo": "it must be a key of the query itself, not of a field",
}


def _json_param(params: JsonObject, name: str) -> Any:
    value = params.get(name)
    if isinstance(value, str) and name == "where":
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            raise ParseApiError(ErrorCode.INVALID_QUERY, f"invalid JSON in {name}") from None
    return value


def _int_param(params: JsonObject, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ParseApiError(ErrorCode.INVALID_QUERY, f"{name} must be an integer") from None
    if number < 0:
        raise ParseApiError(ErrorCode.INVALID_QUERY, f"{name} must not be negative")
    return number


def _sort_value(value: Any) -> tuple[int, Any]:
    """A total order over mixed JSON values: missing/null first, then by type."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, dict) and value.get("__type") == "Date":
        return (3, str(value.get("iso", "")))
    if isinstance(value, dict) and value.get("__type") == "Pointer":
        return (4, str(value.get("objectId", "")))
    return (5, orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())


def _lookup(view: JsonObject, path: str) -> Any:
    value: Any = view
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _matchable(view: JsonObject, body: JsonObject) -> JsonObject:
    """The view with relation fields as arrays of pointers, so that ``{"users": <pointer>}``
    finds the objects whose relation holds that object (as Parse's relation queries do)."""
    relations = body.get(RELATIONS)
    if not isinstance(relations, dict) or not relations:
        return view
    expanded = dict(view)
    for key, rel in relations.items():
        target = rel.get("className")
        expanded[key] = [pointer(target, i) for i in relation_ids(body, key)]
    return expanded


def check_where(
    where: Any, class_name: str, identity: Identity, order: list[str] | None = None
) -> Matcher:
    """Check names and compile ``where`` once per request (refusals are 102, 105 or 119)."""
    if where is None:
        where = {}
    if not isinstance(where, dict):
        raise ParseApiError(ErrorCode.INVALID_QUERY, "where must be a JSON object")
    check_where_keys(where)
    check_protected_fields(class_name, identity, where, order or [])
    try:
        return compile_where(where)
    except UnsupportedOperator as exc:
        message = str(exc)  # an operator Parse does not know either
        if exc.op in UNSUPPORTED_OPERATORS:
            reason = _NOT_IN_FIND.get(exc.op, "lq serve does not implement it")
            message = f"{exc.op} is not supported in find: {reason}"
        raise ParseApiError(ErrorCode.INVALID_QUERY, message) from None
    except QueryError as exc:
        raise ParseApiError(ErrorCode.INVALID_QUERY, str(exc)) from None


def redirected_class(service: ObjectService, class_name: str, key: Any) -> str:
    """``redirectClassNameForKey``: the target class when ``key`` is a relation of the class.

    The SDK sends it for a relation query on a parent it has not fetched (so it
    does not know the relation's target class yet); any other key leaves the
    class as it is, as in Parse.
    """
    if not isinstance(key, str) or not key:
        return class_name
    spec = class_fields(service.storage, class_name).get(key)
    if spec is not None and spec.get("type") == "Relation":
        target = spec.get("targetClass")
        if isinstance(target, str):
            return target
    return class_name


def _matching(
    service: ObjectService,
    class_name: str,
    identity: Identity,
    matcher: Matcher,
    candidates: Iterable[JsonObject],
) -> Iterable[JsonObject]:
    """The caller's views of the readable ``candidates`` that match."""
    for body in candidates:
        if not can_read(body.get("ACL"), identity):
            continue
        view = service.view(class_name, body, identity)
        try:
            if matcher.where and not matcher(_matchable(view, body)):
                continue
        except QueryError as exc:
            raise ParseApiError(ErrorCode.INVALID_QUERY, str(exc)) from None
        yield view


def _resolved_matcher(
    service: ObjectService,
    class_name: str,
    identity: Identity,
    where: Any,
    order: list[str] | None = None,
    budget: SubqueryBudget | None = None,
) -> Matcher:
    """``where`` with its subqueries run (as ``identity``), checked and compiled."""
    spending = budget or SubqueryBudget()

    def find_all(sub_class: str, sub_where: Any, redirect: Any) -> tuple[str, list[JsonObject]]:
        target = redirected_class(service, sub_class, redirect)
        matcher = _resolved_matcher(service, target, identity, sub_where, None, spending)
        found = _matching(service, target, identity, matcher, service.storage.scan(target))
        return target, list(found)

    resolved = resolve_where(where, service, identity, find_all, spending)
    return check_where(resolved, class_name, identity, order)


def _object_id_after(where: Mapping[str, Any]) -> str | None:
    """The ``objectId`` a paging cursor starts after, if ``where`` requires one.

    Clients page through large result sets with ``order=objectId`` and
    ``objectId > last`` (top level, or one item of a top-level ``$and``);
    starting the scan there keeps each page's cost independent of its depth.
    ``$gte`` starts one id earlier, so the matcher still sees the bound itself.
    """
    constraints = [where.get("objectId")]
    and_items = where.get("$and")
    if isinstance(and_items, list):
        constraints += [item.get("objectId") for item in and_items if isinstance(item, dict)]
    bounds = [
        c["$gt"] for c in constraints if isinstance(c, dict) and isinstance(c.get("$gt"), str)
    ]
    return max(bounds) if bounds else None


def run_find(
    service: ObjectService, class_name: str, identity: Identity, params: JsonObject
) -> JsonObject:
    """The answer to ``GET classes/<class>``: ``{"results": [...], "count"?: n}``."""
    target = redirected_class(service, class_name, params.get("redirectClassNameForKey"))
    order = sort_fields(key_list(params.get("order"), "order"))
    matcher = _resolved_matcher(service, target, identity, _json_param(params, "where"), order)
    limit = _int_param(params, "limit", DEFAULT_LIMIT)
    skip = _int_param(params, "skip", 0)
    options = read_options(service, target, params)
    want_count = str(params.get("count", "")).lower() in ("1", "true")
    # In objectId order with no count to report, the scan can start at the
    # paging cursor and stop as soon as the page is full.
    by_id = order == ["objectId"] and not want_count
    if by_id:
        candidates = service.storage.scan_by_id(target, _object_id_after(matcher.where))
    else:
        candidates = service.storage.scan(target)
    found: list[JsonObject] = []
    for view in _matching(service, target, identity, matcher, candidates):
        found.append(view)
        if by_id and len(found) >= skip + limit:
            break
    for key in reversed([] if by_id else order):
        name = key.lstrip("-")

        def sort_key(view: JsonObject, name: str = name) -> tuple[int, Any]:
            return _sort_value(_lookup(view, name))

        found.sort(key=sort_key, reverse=key.startswith("-"))
    relations = relation_fields(service.storage, target)
    page = [shape(v, options.keys, options.excluded, relations) for v in found[skip : skip + limit]]
    if target != class_name:
        # Parse names the class of results found through redirectClassNameForKey.
        page = [{**view, "className": target} for view in page]
    answer: JsonObject = {"results": include_pointers(service, identity, page, options)}
    if want_count:
        answer["count"] = len(found)
    return answer


def get_one(
    service: ObjectService, class_name: str, object_id: str, identity: Identity, params: JsonObject
) -> JsonObject:
    """``GET classes/<class>/<id>``: one view, with ``keys``/``excludeKeys``/``include``."""
    body = service.readable(class_name, object_id, identity)
    options = read_options(service, class_name, params, allow_include_all=False)
    relations = relation_fields(service.storage, class_name)
    view = shape(
        service.view(class_name, body, identity), options.keys, options.excluded, relations
    )
    return include_pointers(service, identity, [view], options)[0]
