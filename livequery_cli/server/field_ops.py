"""Parse's field operators (``{"__op": ...}``) applied to a stored body.

A REST update sends either plain values or operators: ``Increment``,
``Add``, ``AddUnique``, ``Remove``, ``Delete``, ``AddRelation``,
``RemoveRelation`` and ``Batch`` (the JS SDK wraps a relation add + remove in
one). Operators let concurrent clients change a counter or a list without a
read-modify-write race, so they are applied here, on the server's copy. A
key may be dotted (``o.n``) to change one key inside an object field; see
``dotted_keys.py``.
"""

from __future__ import annotations

import copy
from typing import Any

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.documents import (
    FIELD_NAME,
    MAX_VALUE_NESTING,
    RELATIONS,
    RESERVED_FIELDS,
)
from livequery_cli.server.dotted_keys import echo_nested, nested_parent, split_dotted_key
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.schema import value_type

_OP_RESULT = frozenset({"Increment", "Add", "AddUnique", "Remove"})
_NESTED_OPS = frozenset({"Increment", "Add", "AddUnique", "Remove", "Delete"})


def apply_changes(
    body: JsonObject, changes: JsonObject, *, class_name: str
) -> tuple[dict[str, JsonObject], JsonObject]:
    """Apply ``changes`` to ``body`` in place.

    Returns the field types the write introduces (for the schema check) and
    the values the REST answer must echo (results of ``Increment``/``Add``...,
    as Parse Server does so the SDK learns the server-side result).
    """
    types: dict[str, JsonObject] = {}
    echo: JsonObject = {}
    for key, value in changes.items():
        if key in RESERVED_FIELDS or key == "ACL":
            continue
        _check_nesting(key, value)
        if "." in key:
            _apply_dotted(body, key, value, types, echo, class_name)
            continue
        if not FIELD_NAME.fullmatch(key):
            raise ParseApiError(ErrorCode.INVALID_KEY_NAME, f"Invalid field name: {key}.")
        if isinstance(value, dict) and "__op" in value:
            _apply_op(body, key, value, types, echo, class_name)
        else:
            _check_value(key, value)
            body[key] = value  # null is stored as null, as Parse does (Delete removes)
            typ = value_type(value)
            if typ is not None:
                types[key] = typ
    return types, echo


def _apply_dotted(
    body: JsonObject,
    key: str,
    value: Any,
    types: dict[str, JsonObject],
    echo: JsonObject,
    class_name: str,
) -> None:
    """``{"o.n": value or operator}``: change one key inside the object field ``o``."""
    top, path = split_dotted_key(key, class_name)
    types[top] = {"type": "Object"}
    parent_is_object = isinstance(body.get(top), dict | None)
    node = nested_parent(body, top, path)
    leaf = path[-1]
    if not (isinstance(value, dict) and "__op" in value):
        _check_value(key, value)
        node[leaf] = value
        return
    name = value.get("__op")
    if name not in _NESTED_OPS:
        raise ParseApiError(
            ErrorCode.INVALID_JSON, f"operator {name!r} cannot be used on the nested key {key}"
        )
    # Under a non-object field the schema check answers first (111), as in Parse.
    if name == "Increment" and parent_is_object and not _is_number(value.get("amount")):
        raise ParseApiError(ErrorCode.INVALID_JSON, "incrementing must provide a number")
    result: JsonObject = {}
    _apply_op(node, leaf, value, {}, result, class_name, label=key)
    if leaf in result:
        echo_nested(echo, top, path, result[leaf])


def _apply_op(
    body: JsonObject,
    key: str,
    op: JsonObject,
    types: dict[str, JsonObject],
    echo: JsonObject,
    class_name: str,
    *,
    label: str | None = None,
) -> None:
    """Apply one operator to ``body[key]``; ``label`` names the field in errors."""
    name = op.get("__op")
    field = label or key
    if name == "Batch":
        ops = op.get("ops")
        if not isinstance(ops, list):
            raise ParseApiError(ErrorCode.INVALID_JSON, "Batch ops must be an array.")
        for sub in ops:
            if not isinstance(sub, dict):
                raise ParseApiError(ErrorCode.INVALID_JSON, "Batch ops must be objects.")
            _apply_op(body, key, sub, types, echo, class_name)
        return
    if name == "Delete":
        body.pop(key, None)
        relations = body.get(RELATIONS)
        if isinstance(relations, dict):
            relations.pop(key, None)
        return
    if name == "Increment":
        amount = op.get("amount", 1)
        current = body.get(key, 0)
        if not _is_number(amount) or not _is_number(current):
            raise ParseApiError(
                ErrorCode.INCORRECT_TYPE, f"Cannot increment a non-number field {field}."
            )
        result = current + amount
        if isinstance(result, int) and not -(2**63) <= result < 2**63:
            raise ParseApiError(
                ErrorCode.INCORRECT_TYPE, f"{field} would exceed the 64-bit integer range"
            )
        body[key] = result
        types[key] = {"type": "Number"}
    elif name in ("Add", "AddUnique", "Remove"):
        objects = op.get("objects")
        if not isinstance(objects, list):
            raise ParseApiError(ErrorCode.INVALID_JSON, "objects to add must be an array")
        current = body.get(key, [])
        if not isinstance(current, list):
            raise ParseApiError(ErrorCode.INCORRECT_TYPE, f"{field} is not an array.")
        current = list(current)
        if name == "Add":
            current.extend(copy.deepcopy(objects))
        elif name == "AddUnique":
            for item in objects:
                if not any(_same(item, have) for have in current):
                    current.append(copy.deepcopy(item))
        else:
            current = [have for have in current if not any(_same(have, o) for o in objects)]
        body[key] = current
        types[key] = {"type": "Array"}
    elif name in ("AddRelation", "RemoveRelation"):
        _apply_relation(body, key, op, name == "AddRelation", types)
        return
    else:
        raise ParseApiError(ErrorCode.INVALID_JSON, f"unknown operator {name!r} for field {key}")
    if name in _OP_RESULT:
        echo[key] = body[key]


def _apply_relation(
    body: JsonObject, key: str, op: JsonObject, add: bool, types: dict[str, JsonObject]
) -> None:
    objects = op.get("objects")
    if not isinstance(objects, list) or not objects:
        raise ParseApiError(ErrorCode.INVALID_JSON, "relation objects must be a non-empty array")
    target: str | None = None
    ids: list[str] = []
    for item in objects:
        if not (
            isinstance(item, dict)
            and item.get("__type") == "Pointer"
            and isinstance(item.get("className"), str)
            and isinstance(item.get("objectId"), str)
        ):
            raise ParseApiError(ErrorCode.INVALID_POINTER, "relation objects must be pointers")
        if target is not None and item["className"] != target:
            raise ParseApiError(
                ErrorCode.INCORRECT_TYPE, "relation objects must all be of one class"
            )
        target = item["className"]
        ids.append(item["objectId"])
    relations = body.setdefault(RELATIONS, {})
    rel = relations.setdefault(key, {"className": target, "ids": []})
    if rel.get("className") != target:
        raise ParseApiError(
            ErrorCode.INCORRECT_TYPE, f"{key} is a relation to {rel.get('className')}, not {target}"
        )
    have: list[str] = rel["ids"]
    if add:
        have.extend(i for i in ids if i not in have)
    else:
        rel["ids"] = [i for i in have if i not in ids]
    types[key] = {"type": "Relation", "targetClass": target}


def _check_value(key: str, value: Any) -> None:
    if isinstance(value, dict):
        kind = value.get("__type")
        if kind == "Pointer" and not (
            isinstance(value.get("className"), str) and isinstance(value.get("objectId"), str)
        ):
            raise ParseApiError(ErrorCode.INVALID_POINTER, f"invalid pointer in field {key}")
        for sub in value:
            if isinstance(sub, str) and (sub.startswith("$") or "." in sub) and kind is None:
                raise ParseApiError(ErrorCode.INVALID_KEY_NAME, f"Invalid nested key name: {sub}.")


def _check_nesting(key: str, value: Any) -> None:
    """Refuse a value nested deeper than ``MAX_VALUE_NESTING`` levels (dotted key parts count).

    Deeper values could not be serialized for storage and events (the JSON
    encoder stops at 254 levels), so they are refused up front with a clear error.
    """
    if isinstance(value, dict) and "__op" in value:
        value = value.get("objects")  # what an operator stores: an array of these
    created = key.count(".")  # the objects a dotted key's parts create
    if created + _depth(value, MAX_VALUE_NESTING - created) > MAX_VALUE_NESTING:
        field = key.split(".", 1)[0][:64]
        raise ParseApiError(
            ErrorCode.INVALID_JSON, f"{field} is nested deeper than {MAX_VALUE_NESTING} levels"
        )


def _depth(value: Any, limit: int) -> int:
    """Levels of objects/arrays in ``value`` (0 for a scalar), counted up to ``limit + 1``."""
    depth = 0
    frontier: list[Any] = [value] if isinstance(value, dict | list) else []
    while frontier and depth <= limit:
        depth += 1
        children: list[Any] = []
        for item in frontier:
            members = item.values() if isinstance(item, dict) else item
            children.extend(v for v in members if isinstance(v, dict | list))
        frontier = children
    return depth


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(a: Any, b: Any) -> bool:
    """Parse's equality for array members: pointers by class and id, else deep equality."""
    if isinstance(a, dict) and isinstance(b, dict) and a.get("__type") == "Pointer":
        return a.get("className") == b.get("className") and a.get("objectId") == b.get("objectId")
    return bool(a == b)
