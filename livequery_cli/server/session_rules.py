"""Who may write which ``_Session`` field: Parse Server 9's ``RestWrite.handleSession``.

A session row is what a token means, so a client that could point its own
session at another user (``user``), choose its token (``sessionToken``) or
extend it (``expiresAt``) would own that user's account. Parse Server lets a
client change only its own sessions' ordinary fields; ``user`` may only be
set to the caller itself, ``expiresAt`` and ``createdWith`` need the master
key, and ``sessionToken``, ``installationId`` and ``ACL`` cannot be changed by
anyone. The error codes and messages are Parse's (105 ``INVALID_KEY_NAME``,
209 ``INVALID_SESSION_TOKEN`` without a session). The token -> user lookup
does not rely on these rules alone: see ``auth.py``'s ``_issued`` record.
"""

from __future__ import annotations

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity
from livequery_cli.server.rest_errors import ParseApiError

# Parse checks them in this order and reports the first.
_NEVER_CHANGED = ("installationId", "sessionToken")
_MASTER_ONLY = ("expiresAt", "createdWith")


def _invalid_key(name: str) -> ParseApiError:
    return ParseApiError(ErrorCode.INVALID_KEY_NAME, f"Invalid key name: {name}")


def session_owner(session: JsonObject) -> str | None:
    user = session.get("user")
    owner = user.get("objectId") if isinstance(user, dict) else None
    return owner if isinstance(owner, str) else None


def require_session_user(identity: Identity, message: str = "Invalid session token") -> None:
    """Without the master key, only a logged-in caller may touch ``_Session`` at all (209)."""
    if not identity.master and identity.user_id is None:
        raise ParseApiError(ErrorCode.INVALID_SESSION_TOKEN, message)


def check_session_write(data: JsonObject, identity: Identity, *, updating: bool) -> None:
    """Refuse a create or update of a ``_Session`` the caller may not make."""
    require_session_user(identity, "Session token required.")
    if "ACL" in data:
        raise ParseApiError(ErrorCode.INVALID_KEY_NAME, "Cannot set ACL on a Session.")
    if not updating:
        return
    if "user" in data and not identity.master:
        user = data["user"]
        if not isinstance(user, dict) or user.get("objectId") != identity.user_id:
            raise _invalid_key("user")
    for name in _NEVER_CHANGED:
        if name in data:
            raise _invalid_key(name)
    if not identity.master:
        for name in _MASTER_ONLY:
            if name in data:
                raise _invalid_key(name)


def may_see_session(session: JsonObject, identity: Identity) -> bool:
    """A session is its user's business (and the master key's), whatever its ACL says."""
    return identity.master or (
        identity.user_id is not None and session_owner(session) == identity.user_id
    )
