"""Field types per class, inferred from writes the way Parse Server does.

Parse fixes a field's type on first write and rejects a later write of
another type with code 111 ("schema mismatch"); clients rely on that, so the
embedded server keeps the same rule. Types use Parse's names (``Number``,
``String``, ``Pointer`` with ``targetClass`` ...), which is also what
``GET /schemas`` answers.
"""

from __future__ import annotations

from typing import Any

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.storage import Storage

DEFAULT_FIELDS: dict[str, JsonObject] = {
    "objectId": {"type": "String"},
    "createdAt": {"type": "Date"},
    "updatedAt": {"type": "Date"},
    "ACL": {"type": "ACL"},
}
CLASS_FIELDS: dict[str, dict[str, JsonObject]] = {
    "_User": {
        "username": {"type": "String"},
        "password": {"type": "String"},
        "email": {"type": "String"},
        "emailVerified": {"type": "Boolean"},
        "authData": {"type": "Object"},
    },
    "_Role": {
        "name": {"type": "String"},
        "users": {"type": "Relation", "targetClass": "_User"},
        "roles": {"type": "Relation", "targetClass": "_Role"},
    },
    "_Session": {
        "user": {"type": "Pointer", "targetClass": "_User"},
        "sessionToken": {"type": "String"},
        "expiresAt": {"type": "Date"},
        "createdWith": {"type": "Object"},
        "installationId": {"type": "String"},
        "restricted": {"type": "Boolean"},
    },
}
_TYPED = {"Date", "GeoPoint", "File", "Bytes", "Polygon"}


def value_type(value: Any) -> JsonObject | None:
    """The Parse type of a REST JSON value (``None`` for null: it fixes no type)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"type": "Boolean"}
    if isinstance(value, int | float):
        return {"type": "Number"}
    if isinstance(value, str):
        return {"type": "String"}
    if isinstance(value, list):
        return {"type": "Array"}
    if isinstance(value, dict):
        kind = value.get("__type")
        if kind == "Pointer":
            return {"type": "Pointer", "targetClass": value.get("className")}
        if kind == "Relation":
            return {"type": "Relation", "targetClass": value.get("className")}
        if kind in _TYPED:
            return {"type": kind}
        return {"type": "Object"}
    return {"type": "Object"}


def class_fields(storage: Storage, class_name: str) -> dict[str, JsonObject]:
    """All fields of a class: the defaults, the built-in class's fields, the stored ones."""
    fields = dict(DEFAULT_FIELDS)
    fields.update(CLASS_FIELDS.get(class_name, {}))
    fields.update(storage.fields(class_name) or {})
    return fields


def check_and_record(storage: Storage, class_name: str, types: dict[str, JsonObject]) -> None:
    """Reject a write whose field types contradict the schema, else record new fields."""
    known = class_fields(storage, class_name)
    stored = dict(storage.fields(class_name) or {})
    changed = storage.fields(class_name) is None
    for name, wanted in types.items():
        have = known.get(name)
        if have is None:
            stored[name] = wanted
            changed = True
            continue
        if have.get("type") != wanted.get("type") or (
            "targetClass" in have and have.get("targetClass") != wanted.get("targetClass")
        ):
            raise ParseApiError(
                ErrorCode.INCORRECT_TYPE,
                f"schema mismatch for {class_name}.{name}; expected {_describe(have)} "
                f"but got {_describe(wanted)}",
            )
    if changed:
        storage.set_fields(class_name, stored)


def _describe(field: JsonObject) -> str:
    if "targetClass" in field:
        return f"{field['type']}<{field['targetClass']}>"
    return str(field.get("type"))
