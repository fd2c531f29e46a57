"""Passwords, session tokens and the session -> user -> roles cache.

Passwords are hashed with scrypt (``hashlib.scrypt``, random salt) and never
stored in clear. A session token is looked up once and its
:class:`~livequery_cli.server.acl.Identity` cached; the cache is invalidated
when a session ends (logout, session deleted, user deleted) and when any role
changes, so a revoked role or a logged-out session stops granting access at
the next event. Revocation listeners (the LiveQuery hub) hear about ended
sessions at once, to drop the subscriptions that relied on them.

A token is resolved only through what the server itself wrote: every
session it issues carries an internal ``_issued`` record (token, user,
expiry). Clients cannot write fields that start with an underscore, so a
``_Session`` row whose public ``user``, ``sessionToken`` or ``expiresAt`` was
changed through the REST API (possible before those fields became master-key
only, and kept in old database files) can never make its token answer as
somebody else: a row without a matching record grants nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity
from livequery_cli.server.documents import (
    new_object_id,
    now_iso,
    pointer,
    relation_ids,
)
from livequery_cli.server.publisher import ChangePublisher
from livequery_cli.server.storage import Storage

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
SESSION_LIFETIME = timedelta(days=365)
_NEGATIVE_CACHE_LIMIT = 10_000
ISSUED = "_issued"


class PrehashedPassword(str):
    """A password already hashed in a worker thread (see ``password_pool``).

    The REST layer hashes a new password off the event loop and passes this in
    place of the clear text; :func:`hash_password` then returns the stored form
    as is. Its text is a placeholder, never the password; JSON cannot produce
    this type, so a client cannot pass a hash of its choosing.
    """

    stored: str

    def __new__(cls, stored: str) -> PrehashedPassword:
        value = super().__new__(cls, "(hashed)")
        value.stored = stored
        return value


def hash_password(password: str) -> str:
    if isinstance(password, PrehashedPassword):
        return password.stored
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


def _issued_record(session: JsonObject) -> tuple[str, str, Any] | None:
    """(token, user id, expiry) the server recorded for a session, if it is coherent.

    The public ``user`` and ``sessionToken`` must still say what the server
    issued: a row that disagrees was tampered with and grants nothing.
    """
    record = session.get(ISSUED)
    if not isinstance(record, dict):
        return None
    token, user_id = record.get("token"), record.get("user")
    if not isinstance(token, str) or not isinstance(user_id, str):
        return None
    public_user = session.get("user")
    if not isinstance(public_user, dict) or public_user.get("objectId") != user_id:
        return None
    if session.get("sessionToken") != token:
        return None
    return token, user_id, record.get("expiresAt")


def vouch_for(session: JsonObject, changed: Collection[str] | None = None) -> None:
    """Record what a master-key write set on a session as trusted.

    Parse lets the master key create sessions and move them to another user
    or expiry; those writes are trusted like the server's own. ``changed`` is
    what an update set (None: a create, everything). Only naming the
    ``user`` (re)records the whole row: a master-key write of other fields
    must not bless a row a client tampered with before. Without a user
    pointer and a token the row grants nothing.
    """
    if changed is not None and "user" not in changed:
        record = session.get(ISSUED)
        if "expiresAt" in changed and isinstance(record, dict):
            record["expiresAt"] = session.get("expiresAt")
        return
    user = session.get("user")
    token = session.get("sessionToken")
    user_id = user.get("objectId") if isinstance(user, dict) else None
    if isinstance(user_id, str) and isinstance(token, str) and token:
        session[ISSUED] = {"token": token, "user": user_id, "expiresAt": session.get("expiresAt")}
    else:
        session.pop(ISSUED, None)
    # A session belongs to its user alone (Parse refuses ACLs on sessions).
    session["ACL"] = {user_id: {"read": True, "write": True}} if isinstance(user_id, str) else {}


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
        self.publisher: ChangePublisher | None = None
        for session in storage.scan("_Session"):
            record = _issued_record(session)
            if record is not None:
                self._session_by_token[record[0]] = session["objectId"]

    def on_revoke(self, listener: Callable[[str], None]) -> None:
        self._revocation_listeners.append(listener)

    # -- sessions ------------------------------------------------------------

    def new_session(
        self, user_id: str, created_with: JsonObject | None, installation_id: str | None
    ) -> JsonObject:
        """A fresh session body for ``user_id`` (not stored yet: see :meth:`store_session`)."""
        token = "r:" + secrets.token_hex(16)
        now = now_iso()
        expires = (datetime.now(UTC) + SESSION_LIFETIME).isoformat(timespec="milliseconds")
        expires_at = {"__type": "Date", "iso": expires.replace("+00:00", "Z")}
        session: JsonObject = {
            "objectId": new_object_id(),
            "createdAt": now,
            "updatedAt": now,
            "user": pointer("_User", user_id),
            "sessionToken": token,
            "restricted": False,
            "expiresAt": expires_at,
            "ACL": {user_id: {"read": True, "write": True}},
            ISSUED: {"token": token, "user": user_id, "expiresAt": expires_at},
        }
        while self._storage.get("_Session", session["objectId"]) is not None:
            session["objectId"] = new_object_id()
        if created_with is not None:
            session["createdWith"] = created_with
        if installation_id:
            session["installationId"] = installation_id
        return session

    def store_session(self, session: JsonObject) -> None:
        """Store a session made by :meth:`new_session` and announce it (LiveQuery ``create``)."""
        self._storage.put("_Session", session)
        token = session["sessionToken"]
        self._session_by_token[token] = session["objectId"]
        self._token_user[token] = session[ISSUED]["user"]
        if self.publisher is not None:
            self.publisher.publish_save("_Session", None, _copy(session))

    def create_session(
        self,
        user_id: str,
        action: str,
        installation_id: str | None,
        *,
        auth_provider: str = "password",
    ) -> str:
        """Log ``user_id`` in (sign-up, login, ``loginAs``); returns the new session token.

        A session from an installation replaces the user's earlier ones from it.
        """
        session = self.new_session(
            user_id, {"action": action, "authProvider": auth_provider}, installation_id
        )
        if installation_id:
            self._end_installation_sessions(user_id, installation_id)
        self.store_session(session)
        token: str = session["sessionToken"]
        return token

    def session_saved(self, original: JsonObject | None, current: JsonObject) -> None:
        """A ``_Session`` row was written through the object API: re-index its token.

        A token whose user or expiry changed (master key) loses its cached
        identity, and the LiveQuery subscriptions that relied on it end.
        """
        before = _issued_record(original) if original is not None else None
        after = _issued_record(current)
        if before is not None and before != after:
            self._session_by_token.pop(before[0], None)
            self.session_deleted(before[0])
        if after is not None:
            self._session_by_token[after[0]] = current["objectId"]
            self._token_user.pop(after[0], None)
            self._identities.pop(after[0], None)

    def _end_installation_sessions(self, user_id: str, installation_id: str) -> None:
        """A new session from an installation replaces the user's earlier ones from it.

        Parse Server does the same, so a device that logs in again does not pile
        up sessions, and the token it had before stops working at once.
        """
        for session in list(self._storage.scan("_Session")):
            record = session.get(ISSUED)
            issued_to = record.get("user") if isinstance(record, dict) else None
            if session.get("installationId") == installation_id and issued_to == user_id:
                self._delete_session(session["objectId"], session.get("sessionToken"))

    def session_for_token(self, token: str) -> JsonObject | None:
        session_id = self._session_by_token.get(token)
        return None if session_id is None else self._storage.get("_Session", session_id)

    def end_session(self, token: str) -> bool:
        """Delete the session of ``token`` (logout); False when there was none."""
        session_id = self._session_by_token.get(token)
        if session_id is None:
            return False
        self._delete_session(session_id, token)
        return True

    def _delete_session(self, session_id: str, token: object) -> None:
        session = self._storage.get("_Session", session_id)
        self._storage.delete("_Session", session_id)
        if isinstance(token, str):
            self.session_deleted(token)
        if session is not None and self.publisher is not None:
            self.publisher.publish_delete("_Session", session)

    def session_deleted(self, token: str) -> None:
        """Forget a token whose ``_Session`` is gone and tell the listeners."""
        self._session_by_token.pop(token, None)
        self._token_user[token] = None
        self._identities.pop(token, None)
        for listener in list(self._revocation_listeners):
            listener(token)

    def end_sessions_of(self, user_id: str) -> None:
        """End every session of a user (password changed, user deleted)."""
        for session in list(self._storage.scan("_Session")):
            record = session.get(ISSUED)
            issued_to = record.get("user") if isinstance(record, dict) else None
            if user_id in ((session.get("user") or {}).get("objectId"), issued_to):
                self._delete_session(session["objectId"], session.get("sessionToken"))

    def user_deleted(self, user_id: str) -> None:
        self.end_sessions_of(user_id)
        self._user_roles.pop(user_id, None)
        self._identities.clear()

    # -- identities ----------------------------------------------------------

    def user_id_for_token(self, token: str) -> str | None:
        """The user a valid, unexpired session token belongs to, else None."""
        if token in self._token_user:
            return self._token_user[token]
        session = self.session_for_token(token)
        record = _issued_record(session) if session is not None else None
        user_id: str | None = None
        if record is not None and hmac.compare_digest(record[0].encode(), token.encode()):
            _, candidate, expiry = record
            expires = _parse_iso(expiry)
            if (expires is None or expires > datetime.now(UTC)) and self._storage.get(
                "_User", candidate
            ):
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


def _copy(body: JsonObject) -> JsonObject:
    """A deep copy for the publisher (it keeps what it is given)."""
    result: JsonObject = orjson.loads(orjson.dumps(body))
    return result
