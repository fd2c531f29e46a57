"""Dotted keys in a write: ``{"o.n": 5}`` changes the key ``n`` inside the object field ``o``.

The Parse SDKs send them for ``set('o.n', v)``, ``increment('o.n')`` and
``unset('o.n')``, so a counter or a flag inside an object field can change
without rewriting (and racing on) the whole object. The first part must be a
valid field name; it becomes (or must already be) an ``Object`` field, so a
dotted key under a ``String`` field is the schema mismatch (111) Parse
answers. A missing or null parent (and any missing level below it) becomes
``{}``, as Parse Server does. Sub-keys may hold any character except that
they cannot be empty or start with ``$``: a stored nested key must stay
writable back as a plain object value, where Parse refuses ``$`` keys.
"""

from __future__ import annotations

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.documents import FIELD_NAME, PROTECTED_FIELDS
from livequery_cli.server.rest_errors import ParseApiError


def split_dotted_key(key: str, class_name: str) -> tuple[str, list[str]]:
    """``"o.d.e"`` -> ``("o", ["d", "e"])``, or Parse's error for a key that cannot be one.

    ``className`` and the secret fields are never parents (a ``_User``'s
    ``password`` is left to the schema check, which answers 111 as Parse does).
    """
    top, *path = key.split(".")
    if top == "authData":
        raise ParseApiError(ErrorCode.INVALID_KEY_NAME, f"Invalid field name for update: {key}")
    secret = top in PROTECTED_FIELDS and not (top == "password" and class_name == "_User")
    if top and (not FIELD_NAME.match(top) or top == "className" or secret):
        raise ParseApiError(ErrorCode.INVALID_KEY_NAME, f"Invalid field name: {top}.")
    if not top or not all(path):
        raise ParseApiError(ErrorCode.INVALID_KEY_NAME, f"Invalid field name: {key}.")
    if any(part.startswith("$") for part in path):
        raise ParseApiError(
            ErrorCode.INVALID_NESTED_KEY, "Nested keys should not contain the '$' or '.' characters"
        )
    return top, path


def nested_parent(body: JsonObject, top: str, path: list[str]) -> JsonObject:
    """The object that holds the last key of ``top.path``, created where missing.

    A level that is missing, null or not an object becomes ``{}`` (a non-object
    top-level field is then refused by the schema check, before anything is stored).
    """
    node = body.get(top)
    if not isinstance(node, dict):
        node = body[top] = {}
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    return node


def echo_nested(echo: JsonObject, top: str, path: list[str], value: object) -> None:
    """Record an operator's result as Parse echoes it: ``{"o": {"n": 2}}`` for ``o.n``."""
    node = echo.get(top)
    if not isinstance(node, dict):
        node = echo[top] = {}
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[path[-1]] = value
