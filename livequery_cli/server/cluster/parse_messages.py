"""The messages Parse Server publishes for LiveQuery, and their wire format.

Parse Server 9 (``ParseCloudCodePublisher``) publishes JSON text on three
channels named after the application id:

- ``<appId>afterSave``: ``{"currentParseObject": {...}, "originalParseObject"?: {...},
  "classLevelPermissions"?: {...}}``; no original for a create;
- ``<appId>afterDelete``: the same, ``currentParseObject`` is the deleted object;
- ``<appId>clearCache``: ``{"userId": "..."}`` after a ``_Role`` write by a user.

Objects are ``ParseObject._toFullJSON()``: REST JSON plus ``"__type": "Object"``
and ``"className"``. Anything else on those channels is malformed: the caller
counts and logs it, and it never reaches a client. :func:`encode_save` and
:func:`encode_delete` produce the same format, for ``lq serve --redis-url``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.documents import CLASS_NAME

AFTER_SAVE = "afterSave"
AFTER_DELETE = "afterDelete"
CLEAR_CACHE = "clearCache"
CHANNEL_KINDS = (AFTER_SAVE, AFTER_DELETE, CLEAR_CACHE)
_MAX_REASON = 120


class MalformedMessage(ValueError):
    """A message on a LiveQuery channel that is not what Parse Server publishes."""


@dataclass(frozen=True)
class ObjectChange:
    """One save or delete: objects in the embedded server's stored form (no ``__type``)."""

    kind: str  # AFTER_SAVE or AFTER_DELETE
    class_name: str
    current: JsonObject
    original: JsonObject | None
    clp: JsonObject | None


@dataclass(frozen=True)
class ClearCache:
    """Parse asks LiveQuery nodes to forget cached roles (of ``user_id``'s sessions)."""

    user_id: str | None


def channels(app_id: str) -> dict[str, str]:
    """Channel name -> message kind, for one application id."""
    return {app_id + kind: kind for kind in CHANNEL_KINDS}


def _stored_form(value: Any, what: str) -> tuple[str, JsonObject]:
    if not isinstance(value, dict):
        raise MalformedMessage(f"{what} is not an object")
    class_name = value.get("className")
    if not isinstance(class_name, str) or not CLASS_NAME.match(class_name):
        raise MalformedMessage(f"{what} has no valid className")
    object_id = value.get("objectId")
    if not isinstance(object_id, str) or not object_id:
        raise MalformedMessage(f"{what} has no objectId")
    acl = value.get("ACL")
    if acl is not None and not isinstance(acl, dict):
        raise MalformedMessage(f"{what} has an ACL that is not an object")
    body = {k: v for k, v in value.items() if k not in ("__type", "className")}
    return class_name, body


def decode(kind: str, data: bytes | str) -> ObjectChange | ClearCache:
    """Parse one message of channel kind ``kind``; :class:`MalformedMessage` if it is not one."""
    try:
        message = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise MalformedMessage("not JSON") from None
    if not isinstance(message, dict):
        raise MalformedMessage("not a JSON object")
    if kind == CLEAR_CACHE:
        user_id = message.get("userId")
        if user_id is not None and not isinstance(user_id, str):
            raise MalformedMessage("userId is not a string")
        return ClearCache(user_id)
    class_name, current = _stored_form(message.get("currentParseObject"), "currentParseObject")
    original: JsonObject | None = None
    if message.get("originalParseObject") is not None:
        original_class, original = _stored_form(
            message["originalParseObject"], "originalParseObject"
        )
        if original_class != class_name:
            raise MalformedMessage("originalParseObject is of another class")
    clp = message.get("classLevelPermissions")
    if clp is not None and not isinstance(clp, dict):
        raise MalformedMessage("classLevelPermissions is not an object")
    return ObjectChange(kind, class_name, current, original, clp)


def describe(exc: MalformedMessage) -> str:
    """A log-safe reason (never the message body: it may hold private data)."""
    return str(exc)[:_MAX_REASON]


def _full_json(class_name: str, body: JsonObject) -> JsonObject:
    full: JsonObject = {"__type": "Object", "className": class_name}
    full.update(body)
    return full


def encode_save(
    class_name: str, original: JsonObject | None, current: JsonObject, clp: JsonObject | None
) -> bytes:
    """An ``afterSave`` message as Parse Server publishes it (objects in their public view)."""
    message: JsonObject = {"currentParseObject": _full_json(class_name, current)}
    if original is not None:
        message["originalParseObject"] = _full_json(class_name, original)
    if clp is not None:
        message["classLevelPermissions"] = clp
    return orjson.dumps(message)


def encode_delete(class_name: str, deleted: JsonObject, clp: JsonObject | None) -> bytes:
    """An ``afterDelete`` message as Parse Server publishes it."""
    message: JsonObject = {"currentParseObject": _full_json(class_name, deleted)}
    if clp is not None:
        message["classLevelPermissions"] = clp
    return orjson.dumps(message)


def encode_clear_cache(user_id: str) -> bytes:
    """A ``clearCache`` message: Parse Server 9 sends it when a user's session writes a
    ``_Role`` (``RestWrite.runDatabaseOperation``), naming that user."""
    return orjson.dumps({"userId": user_id})
