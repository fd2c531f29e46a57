"""The stored form of a Parse object and the views of it that leave the server.

A stored body is Parse REST JSON (``objectId``, ISO ``createdAt`` /
``updatedAt``, ``ACL``, typed values) plus internal keys that start with an
underscore (``_hashed_password``, ``_relations``). Parse field names cannot
start with an underscore, so that prefix can never collide with user data,
and every view sent to a client drops those keys. ``sessionToken``,
``password`` and ``authData`` are never part of a view either: the owner gets
its token only in the login / sign-up answer.
"""

from __future__ import annotations

import re
import secrets
import string
from datetime import UTC, datetime

from livequery_cli.parse.json_types import JsonObject

_ID_ALPHABET = string.ascii_letters + string.digits
# ``\A``/``\Z``, never ``^``/``$``: ``$`` also matches before a final newline, and
# callers use ``fullmatch``; both anchors keep a stray ``.match`` just as strict.
# Parse Server refuses a field named ``length`` (it would confuse array-like JavaScript objects)
# or ``className`` (it names the object's class in every REST answer): 105, like any bad name.
# Levels of objects/arrays in one field's value, as MongoDB allows: deeper values could
# not be encoded in answers and events (the JSON encoder stops at 254 levels).
MAX_VALUE_NESTING = 100
FIELD_NAME = re.compile(r"\A(?!(?:length|className)\Z)[A-Za-z][0-9A-Za-z_]*\Z")
CLASS_NAME = re.compile(r"\A(_User|_Role|_Session|_Installation|[A-Za-z][0-9A-Za-z_]*)\Z")
PROTECTED_FIELDS = frozenset({"password", "authData", "sessionToken"})
RESERVED_FIELDS = frozenset({"objectId", "createdAt", "updatedAt"})
RELATIONS = "_relations"
HASHED_PASSWORD = "_hashed_password"


def new_object_id() -> str:
    """Ten random alphanumerics, like Parse Server's default ``objectId``."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def now_iso() -> str:
    """The current time as Parse writes it: UTC, milliseconds, ``Z``."""
    now = datetime.now(UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def public_view(body: JsonObject) -> JsonObject:
    """The body as REST answers show it: no internal keys, relations as ``Relation`` values."""
    view = {k: v for k, v in body.items() if not k.startswith("_") and k not in PROTECTED_FIELDS}
    relations = body.get(RELATIONS)
    if isinstance(relations, dict):
        for key, rel in relations.items():
            view[key] = {"__type": "Relation", "className": rel.get("className")}
    return view


def event_view(class_name: str, body: JsonObject) -> JsonObject:
    """The body as LiveQuery events show it: the public view with ``className`` first."""
    view: JsonObject = {"className": class_name}
    view.update(public_view(body))
    return view


def pointer(class_name: str, object_id: str) -> JsonObject:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


def relation_ids(body: JsonObject, key: str) -> list[str]:
    """The objectIds a relation field of ``body`` holds (empty when it has none)."""
    relations = body.get(RELATIONS)
    if not isinstance(relations, dict):
        return []
    rel = relations.get(key)
    if not isinstance(rel, dict):
        return []
    ids = rel.get("ids")
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
