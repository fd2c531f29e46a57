"""REST ``find``: ``where``, ``order``, ``limit``, ``skip``, ``keys`` and ``count``.

``where`` is evaluated by the same matcher LiveQuery uses
(``livequery_cli.matching``), so a query returns exactly the objects a
subscription with the same ``where`` would call matching. Operators the
matcher cannot evaluate are rejected with Parse's code 102 rather than
silently returning nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import Matcher, compile_where
from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity, can_read
from livequery_cli.server.documents import RELATIONS, pointer, relation_ids
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.rest_errors import ParseApiError

DEFAULT_LIMIT = 100
ALWAYS_KEPT = ("objectId", "createdAt", "updatedAt", "ACL")


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


def key_list(value: Any) -> list[str] | None:
    """``keys``/``order`` as a list: a comma-separated string or an array of strings."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        return list(value)
    raise ParseApiError(ErrorCode.INVALID_QUERY, "keys and order must be strings")


def project_keys(view: JsonObject, keys: list[str] | None) -> JsonObject:
    """Keep the requested top-level keys (``a.b`` keeps ``a``) and the system fields."""
    if keys is None:
        return view
    wanted = {k.split(".")[0] for k in keys}
    return {k: v for k, v in view.items() if k in wanted or k in ALWAYS_KEPT}


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


def _related_ids(service: ObjectService, related: Any) -> set[str]:
    """``$relatedTo`` (REST only): the members of one object's relation field."""
    owner = related.get("object") if isinstance(related, dict) else None
    key = related.get("key") if isinstance(related, dict) else None
    if not (
        isinstance(owner, dict)
        and isinstance(owner.get("className"), str)
        and isinstance(owner.get("objectId"), str)
        and isinstance(key, str)
    ):
        raise ParseApiError(ErrorCode.INVALID_QUERY, "$relatedTo needs an object pointer and a key")
    body = service.storage.get(owner["className"], owner["objectId"])
    return set(relation_ids(body, key)) if body is not None else set()


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


def check_where(where: Any) -> Matcher:
    """Compile ``where`` once per request (a refusal is Parse's code 102)."""
    if where is None:
        where = {}
    if not isinstance(where, dict):
        raise ParseApiError(ErrorCode.INVALID_QUERY, "where must be a JSON object")
    try:
        return compile_where(where)
    except QueryError as exc:
        raise ParseApiError(ErrorCode.INVALID_QUERY, str(exc)) from None


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
    where = _json_param(params, "where")
    related: set[str] | None = None
    if isinstance(where, dict) and "$relatedTo" in where:
        where = dict(where)
        related = _related_ids(service, where.pop("$relatedTo"))
    matcher = check_where(where)
    limit = _int_param(params, "limit", DEFAULT_LIMIT)
    skip = _int_param(params, "skip", 0)
    keys = key_list(params.get("keys"))
    order = key_list(params.get("order"))
    want_count = str(params.get("count", "")).lower() in ("1", "true")
    # In objectId order with no count to report, the scan can start at the
    # paging cursor and stop as soon as the page is full.
    by_id = order == ["objectId"] and not want_count
    if by_id:
        candidates = service.storage.scan_by_id(class_name, _object_id_after(matcher.where))
    else:
        candidates = service.storage.scan(class_name)
    found: list[JsonObject] = []
    for body in candidates:
        if related is not None and body["objectId"] not in related:
            continue
        if not can_read(body.get("ACL"), identity):
            continue
        view = service.view(class_name, body, identity)
        try:
            if matcher.where and not matcher(_matchable(view, body)):
                continue
        except QueryError as exc:
            raise ParseApiError(ErrorCode.INVALID_QUERY, str(exc)) from None
        found.append(view)
        if by_id and len(found) >= skip + limit:
            break
    for key in reversed([] if by_id else order or []):
        name = key.lstrip("-")

        def sort_key(view: JsonObject, name: str = name) -> tuple[int, Any]:
            return _sort_value(_lookup(view, name))

        found.sort(key=sort_key, reverse=key.startswith("-"))
    answer: JsonObject = {
        "results": [project_keys(v, keys) for v in found[skip : skip + limit]] if limit else []
    }
    if want_count:
        answer["count"] = len(found)
    return answer
