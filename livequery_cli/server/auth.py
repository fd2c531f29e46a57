"""Passwords, session tokens and the session -> user -> roles cache.

Passwords are hashed with scrypt (``hashlib.scrypt``, random salt) and never
stored in clear. A session token is looked up once and its
:class:`~livequery_cli.server.acl.Identity` cached; the cache is invalidated
when a session ends (logout, session deleted, user deleted) and when any role
changes, so a revoked role or a logged-out session stops granting access at
the next event. Revocation listeners (the LiveQuery hub) hear about ended
sessions at once, to drop the subscriptions that relied on them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity
from livequery_cli.server.documents import (
    new_object_id,
    now_iso,
    pointer,
    relation_ids,
)
from livequery_cli.server.storage import Storage

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
SESSION_LIFETIME = timedelta(days=365)
_NEGATIVE_CACHE_LIMIT = 10_000


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


def _parse_iso(value: object) -> datetime | None:
    if isinstance(value, dict):
        value = value.get("iso")
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


class AuthService:
    """Sessions and identities, with caches the fan-out can query without I/O."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._token_user: dict[str, str | None] = {}
        self._user_roles: dict[str, frozenset[str]] = {}
        self._identities: dict[str, Identity] = {}
        self._revocation_listeners: list[Callable[[str], None]] = []
        self._session_by_token: dict[str, str] = {}
        for session in storage.scan("_Session"):
            token = session.get("sessionToken")
            if isinstance(token, str):
                self._session_by_token[token] = session["objectId"]

    def on_revoke(self, listener: Callable[[str], None]) -> None:
        self._revocation_listeners.append(listener)

    # -- sessions ------------------------------------------------------------

    def create_session(
        self,
        user_id: str,
        action: str,
        installation_id: str | None,
        *,
        auth_provider: str = "password",
    ) -> str:
        token = "r:" + secrets.token_hex(16)
        now = now_iso()
        expires = (datetime.now(UTC) + SESSION_LIFETIME).isoformat(timespec="milliseconds")
        session: JsonObject = {
            "objectId": new_object_id(),
            "createdAt": now,
            "updatedAt": now,
            "user": pointer("_User", user_id),
            "sessionToken": token,
            "createdWith": {"action": action, "authProvider": auth_provider},
            "restricted": False,
            "expiresAt": {"__type": "Date", "iso": expires.replace("+00:00", "Z")},
            "ACL": {user_id: {"read": True, "write": True}},
        }
        if installation_id:
            session["installationId"] = installation_id
            self._end_installation_sessions(user_id, installation_id)
        self._storage.put("_Session", session)
        self._session_by_token[token] = session["objectId"]
        self._token_user[token] = user_id
        return token

    def _end_installation_sessions(self, user_id: str, installation_id: str) -> None:
        """A new session from an installation replaces the user's earlier ones from it.

        Parse Server does the same, so a device that logs in again does not pile
        up sessions, and the token it had before stops working at once.
        """
        for session in list(self._storage.scan("_Session")):
            user = session.get("user")
            if (
                session.get("installationId") == installation_id
                and isinstance(user, dict)
                and user.get("objectId") == user_id
            ):
                self._storage.delete("_Session", session["objectId"])
                token = session.get("sessionToken")
                if isinstance(token, str):
                    self.session_deleted(token)

    def session_for_token(self, token: str) -> JsonObject | None:
        session_id = self._session_by_token.get(token)
        return None if session_id is None else self._storage.get("_Session", session_id)

    def end_session(self, token: str) -> bool:
        """Delete the session of ``token`` (logout); False when there was none."""
        session_id = self._session_by_token.get(token)
        if session_id is None:
            return False
        self._storage.delete("_Session", session_id)
        self.session_deleted(token)
        return True

    def session_deleted(self, token: str) -> None:
        """Forget a token whose ``_Session`` is gone and tell the listeners."""
        self._session_by_token.pop(token, None)
        self._token_user[token] = None
        self._identities.pop(token, None)
        for listener in list(self._revocation_listeners):
            listener(token)

    def user_deleted(self, user_id: str) -> None:
        for session in list(self._storage.scan("_Session")):
            if (session.get("user") or {}).get("objectId") == user_id:
                token = session.get("sessionToken")
                self._storage.delete("_Session", session["objectId"])
                if isinstance(token, str):
                    self.session_deleted(token)
        self._user_roles.pop(user_id, None)
        self._identities.clear()

    # -- identities ----------------------------------------------------------

    def user_id_for_token(self, token: str) -> str | None:
        """The user a valid, unexpired session token belongs to, else None."""
        if token in self._token_user:
            return self._token_user[token]
        session = self.session_for_token(token)
        user_id: str | None = None
        if session is not None:
            expires = _parse_iso(session.get("expiresAt"))
            user = session.get("user")
            if (expires is None or expires > datetime.now(UTC)) and isinstance(user, dict):
                candidate = user.get("objectId")
                if isinstance(candidate, str) and self._storage.get("_User", candidate):
                    user_id = candidate
        if user_id is None and len(self._token_user) > _NEGATIVE_CACHE_LIMIT:
            self._token_user = {t: u for t, u in self._token_user.items() if u is not None}
        self._token_user[token] = user_id
        return user_id

    def identity_for_token(self, token: str | None, *, master: bool = False) -> Identity | None:
        """The identity of a session token; None when the token is not valid."""
        if not token:
            return Identity(master=master)
        if not master:
            cached = self._identities.get(token)
            if cached is not None:
                return cached
        user_id = self.user_id_for_token(token)
        if user_id is None:
            return None
        identity = Identity(master=master, user_id=user_id, roles=self.roles_of(user_id))
        if not master:
            self._identities[token] = identity
        return identity

    def roles_of(self, user_id: str) -> frozenset[str]:
        """Role names granted to a user directly or through nested ``roles`` relations."""
        cached = self._user_roles.get(user_id)
        if cached is not None:
            return cached
        roles = list(self._storage.scan("_Role"))
        granted = {r["objectId"] for r in roles if user_id in relation_ids(r, "users")}
        grew = True
        while grew:
            grew = False
            for role in roles:
                if role["objectId"] not in granted and granted & set(relation_ids(role, "roles")):
                    granted.add(role["objectId"])
                    grew = True
        names = frozenset(
            r["name"] for r in roles if r["objectId"] in granted and isinstance(r.get("name"), str)
        )
        self._user_roles[user_id] = names
        return names

    def roles_changed(self) -> None:
        """Any ``_Role`` write: recompute every user's roles on next use."""
        self._user_roles.clear()
        self._identities.clear()
