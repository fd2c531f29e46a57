"""Class-level permissions as Parse Server's LiveQuery node applies them.

Three rules, read from Parse Server 9.10's ``ParseLiveQueryServer`` and
``SchemaController``/``DatabaseController``:

- **CLP**: open to ``*``, to the user's id, to any authenticated user with
  ``requiresAuthentication``, or deferred to pointer permissions. Checked at
  ``subscribe`` as ``find`` (error 119, or 101 for ``requiresAuthentication``)
  and again for every event, as ``get`` for a query on ``objectId`` alone,
  else ``find`` (the event is skipped).
- **Pointer permissions** (``readUserFields`` and ``<op>.pointerFields``):
  unless the CLP grants the operation outright, an event is only sent when
  one of those fields of the object points at the subscriber's user.
- **protectedFields**: ``{"*": [...], "authenticated": [...], "role:X": [...],
  "<userId>": [...]}``; every applicable set is intersected, and those fields
  are removed from ``object``/``original``. A user is exempt on its own
  ``_User`` object; the master key sees everything.
"""

from __future__ import annotations

from typing import Any

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject

PERMISSION_DENIED = "Permission denied"


class PermissionDenied(Exception):
    """A subscription the class-level permissions refuse (code and message as Parse sends)."""

    def __init__(self, code: ErrorCode) -> None:
        super().__init__(PERMISSION_DENIED)
        self.code = code


def operation(where: Any) -> str:
    """``get`` for a query on ``objectId`` alone (Parse's ``_getCLPOperation``), else ``find``."""
    if isinstance(where, dict) and len(where) == 1 and isinstance(where.get("objectId"), str):
        return "get"
    return "find"


def _granted(clp: JsonObject | None, user_id: str | None, op: str) -> bool:
    """Parse's ``testPermissions`` with the aclGroup ``["*", userId]``."""
    if not clp or not isinstance(clp.get(op), dict):
        return True
    perms = clp[op]
    if perms.get("*"):
        return True
    return user_id is not None and perms.get(user_id) is True


def _pointer_fields(clp: JsonObject, op: str) -> list[str]:
    fields: list[str] = []
    op_perms = clp.get(op)
    if isinstance(op_perms, dict) and isinstance(op_perms.get("pointerFields"), list):
        fields.extend(f for f in op_perms["pointerFields"] if isinstance(f, str))
    read_fields = clp.get("readUserFields")
    if isinstance(read_fields, list):
        fields.extend(f for f in read_fields if isinstance(f, str) and f not in fields)
    return fields


def check_subscribe(clp: JsonObject | None, op: str, user_id: str | None) -> None:
    """Parse's ``validatePermission``: raise :class:`PermissionDenied` when refused."""
    if _granted(clp, user_id, op):
        return
    assert clp is not None
    perms = clp[op]
    if perms.get("requiresAuthentication"):
        if user_id is None:
            raise PermissionDenied(ErrorCode.OBJECT_NOT_FOUND)
        return
    if _pointer_fields(clp, op):
        return
    raise PermissionDenied(ErrorCode.OPERATION_FORBIDDEN)


def _points_at(value: Any, user_id: str) -> bool:
    if isinstance(value, dict):
        return value.get("objectId") == user_id
    if isinstance(value, list):
        return any(isinstance(item, dict) and item.get("objectId") == user_id for item in value)
    return False


def event_allowed(clp: JsonObject | None, op: str, user_id: str | None, obj: JsonObject) -> bool:
    """Parse's ``_matchesCLP`` for one event: CLP, then pointer permissions."""
    try:
        check_subscribe(clp, op, user_id)
    except PermissionDenied:
        return False
    if not clp:
        return True
    fields = _pointer_fields(clp, op)
    if not fields or _granted(clp, user_id, op):
        return True
    if user_id is None:
        return False
    return any(_points_at(obj.get(field), user_id) for field in fields)


def protected_fields(
    clp: JsonObject | None,
    class_name: str,
    obj: JsonObject | None,
    user_id: str | None,
    roles: frozenset[str],
) -> frozenset[str]:
    """Fields of ``obj`` a non-master subscriber must not see (Parse's ``addProtectedFields``)."""
    rules = clp.get("protectedFields") if clp else None
    if not rules:
        return frozenset()
    if class_name == "_User" and user_id is not None and obj and obj.get("objectId") == user_id:
        return frozenset()
    if isinstance(rules, list):
        return frozenset(f for f in rules if isinstance(f, str))
    if not isinstance(rules, dict):
        return frozenset()
    sets: list[list[Any]] = []
    for key, fields in rules.items():
        if not isinstance(fields, list) or key.startswith("userField:"):
            continue
        if key == "*" or (
            user_id is not None
            and (
                key == "authenticated"
                or key == user_id
                or (key.startswith("role:") and key[5:] in roles)
            )
        ):
            sets.append(fields)
    if not sets:
        return frozenset()
    common = set(sets[0])
    for fields in sets[1:]:
        common &= set(fields)
    return frozenset(f for f in common if isinstance(f, str))


def depends_on_identity(clp: JsonObject) -> bool:
    """True when ``protectedFields`` differ by user, role or authentication."""
    rules = clp.get("protectedFields")
    return isinstance(rules, dict) and any(key != "*" for key in rules)


def where_fields(where: Any) -> set[str]:
    """Field names (and their roots) a ``where`` constrains, through ``$and``/``$or``/``$nor``."""
    fields: set[str] = set()
    if isinstance(where, dict):
        for key, value in where.items():
            if key in ("$and", "$or", "$nor") and isinstance(value, list):
                for sub in value:
                    fields |= where_fields(sub)
            else:
                fields.add(key)
                fields.add(key.split(".")[0])
    return fields
