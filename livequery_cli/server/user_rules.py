"""The rules Parse Server applies to writes of ``_User`` objects beyond plain ACLs.

Two of them are visible to every app, so the embedded server keeps them:

- A user can never lock itself out: whatever ACL a sign-up carries, the new
  user gets read and write access to itself, and so does a user who changes
  its own ACL (only the master key may store a user ACL without that entry).
- Changing or deleting a user without being that user is "session missing"
  (206), not "object not found" (101): SDKs branch on 206 to tell the app it
  must log in as that user. Parse answers 206 even when the user does not
  exist, and for an anonymous caller even when the ACL would allow the write.
"""

from __future__ import annotations

from typing import Any

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity, can_write
from livequery_cli.server.rest_errors import ParseApiError


def with_own_access(acl: Any, user_id: str) -> JsonObject:
    """``acl`` (None: empty) plus read and write for the user itself, as Parse stores it."""
    result: JsonObject = dict(acl) if isinstance(acl, dict) else {}
    result[user_id] = {"read": True, "write": True}
    return result


def refuse_foreign_user_write(
    identity: Identity, stored: JsonObject | None, *, deleting: bool
) -> None:
    """Raise Parse's 206 unless the caller may change or delete the ``_User`` ``stored``.

    The master key may (a missing user is then the caller's 101); a caller
    without a session never may; a user may when the stored ACL lets it write.
    """
    if identity.master:
        return
    if identity.user_id is None:
        if deleting:
            raise ParseApiError(ErrorCode.SESSION_MISSING, "Insufficient auth to delete user")
        raise ParseApiError(ErrorCode.SESSION_MISSING, "Permission denied")
    if stored is None or not can_write(stored.get("ACL"), identity):
        raise ParseApiError(ErrorCode.SESSION_MISSING, "Permission denied")
