"""Reads and writes of Parse objects with ACLs, field operators, schemas and events.

Every write path (REST, batch, the demo writer) goes through this service so
the rules are enforced in one place and every committed change is published
to the LiveQuery hub exactly once, with the object as it was before and
after. The built-in classes get Parse's extra rules here: ``_User`` (hashed
passwords, unique username and email, default ACL), ``_Role`` (unique,
immutable names; role changes invalidate the role cache) and ``_Session``
(deleting one ends the session at once).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity, can_read, can_write, validate_acl
from livequery_cli.server.auth import AuthService, hash_password, vouch_for
from livequery_cli.server.documents import (
    CLASS_NAME,
    HASHED_PASSWORD,
    new_object_id,
    now_iso,
    public_view,
)
from livequery_cli.server.field_ops import apply_changes
from livequery_cli.server.publisher import ChangePublisher
from livequery_cli.server.rest_errors import ParseApiError, not_found
from livequery_cli.server.schema import check_and_record
from livequery_cli.server.session_rules import check_session_write, may_see_session
from livequery_cli.server.storage import Storage
from livequery_cli.server.user_rules import (
    check_user_write,
    refuse_foreign_user_write,
    username_key,
    with_own_access,
)

_ROLE_NAME = re.compile(r"\A[0-9A-Za-z\-_ ]+\Z")


def _snapshot(body: JsonObject) -> JsonObject:
    """A deep copy (orjson round trip: several times faster than ``copy.deepcopy``)."""
    result: JsonObject = orjson.loads(orjson.dumps(body))
    return result


class ObjectService:
    """The data API the REST routes and the demo writer share."""

    def __init__(
        self,
        storage: Storage,
        auth: AuthService,
        publisher: ChangePublisher,
        *,
        allow_class_creation: bool = True,
    ) -> None:
        self.storage = storage
        self.auth = auth
        self.publisher = publisher
        self.allow_class_creation = allow_class_creation
        #: Told who created or updated a ``_Role``, before its save is published
        #: (``lq serve --redis-url`` publishes Parse's ``clearCache`` from it).
        self.on_role_write: Callable[[Identity], None] | None = None
        auth.publisher = publisher

    # -- views ---------------------------------------------------------------

    def view(self, class_name: str, body: JsonObject, identity: Identity) -> JsonObject:
        """What ``identity`` may see of a readable object (a user's email only to itself)."""
        view = public_view(body)
        if (
            class_name == "_User"
            and not identity.master
            and identity.user_id != body.get("objectId")
        ):
            view.pop("email", None)
        if class_name == "_Session" and isinstance(body.get("sessionToken"), str):
            owner = (body.get("user") or {}).get("objectId")
            if identity.master or (owner is not None and identity.user_id == owner):
                view["sessionToken"] = body["sessionToken"]
        return view

    def readable(self, class_name: str, object_id: str, identity: Identity) -> JsonObject:
        body = self.storage.get(class_name, object_id)
        if body is None or not can_read(body.get("ACL"), identity):
            raise not_found()
        if class_name == "_Session" and not may_see_session(body, identity):
            raise not_found()
        return body

    # -- writes --------------------------------------------------------------

    def create(
        self, class_name: str, data: JsonObject, identity: Identity
    ) -> tuple[JsonObject, JsonObject]:
        """Create an object; returns (stored body, values to echo in the answer)."""
        self._check_class(class_name, identity, creating=True)
        if not isinstance(data, dict):
            raise ParseApiError(ErrorCode.INVALID_JSON, "request body must be a JSON object")
        now = now_iso()
        body: JsonObject = {"objectId": new_object_id(), "createdAt": now, "updatedAt": now}
        while self.storage.get(class_name, body["objectId"]) is not None:
            body["objectId"] = new_object_id()
        if class_name == "_Session":
            check_session_write(data, identity, updating=False)
            if not identity.master:
                raise ParseApiError(
                    ErrorCode.OPERATION_FORBIDDEN, "sessions are created by logging in"
                )
        if class_name == "_User":
            check_user_write(data, identity)
            self._prepare_user(data, body, creating=True)
        if class_name == "_Role":
            self._check_role_name(data.get("name"), creating=True)
        if "ACL" in data:
            validate_acl(data["ACL"])
            body["ACL"] = data["ACL"]
        elif class_name == "_User":
            # Parse Server's default since ``enforcePrivateUsers``: only the user reads itself.
            body["ACL"] = {body["objectId"]: {"read": True, "write": True}}
        if class_name == "_User":
            body["ACL"] = with_own_access(body["ACL"], body["objectId"])
        types, echo = apply_changes(body, data, class_name=class_name)
        check_and_record(self.storage, class_name, types)
        if class_name == "_Session":
            vouch_for(body)  # the master key's write: trusted, as Parse trusts it
        self.storage.put(class_name, body)
        if class_name == "_Role":
            self.auth.roles_changed()
            if self.on_role_write is not None:
                self.on_role_write(identity)
        elif class_name == "_Session":
            self.auth.session_saved(None, body)
        self.publisher.publish_save(class_name, None, _snapshot(body))
        return body, echo

    def update(
        self, class_name: str, object_id: str, data: JsonObject, identity: Identity
    ) -> tuple[JsonObject, JsonObject]:
        """Update an object the caller may write; returns (stored body, echo values)."""
        self._check_class(class_name, identity, creating=False)
        if not isinstance(data, dict):
            raise ParseApiError(ErrorCode.INVALID_JSON, "request body must be a JSON object")
        if class_name == "_Session":
            check_session_write(data, identity, updating=True)
        stored = self.storage.get(class_name, object_id)
        if class_name == "_User":
            refuse_foreign_user_write(identity, stored, deleting=False)
        if stored is None or not can_write(stored.get("ACL"), identity):
            raise not_found()
        if class_name == "_Session" and not may_see_session(stored, identity):
            raise not_found()
        original = _snapshot(stored)
        body = _snapshot(stored)
        password_changed = class_name == "_User" and "password" in data
        if class_name == "_User":
            check_user_write(data, identity)
            self._prepare_user(data, body, creating=False)
        if class_name == "_Role" and "name" in data and data["name"] != stored.get("name"):
            raise ParseApiError(
                ErrorCode.INVALID_ROLE_NAME,
                "A role's name can only be set before it has been saved.",
            )
        if "ACL" in data:
            if data["ACL"] is None:
                body.pop("ACL", None)  # no ACL: public, as Parse stores it
            else:
                validate_acl(data["ACL"])
                body["ACL"] = data["ACL"]
                if class_name == "_User" and not identity.master:
                    body["ACL"] = with_own_access(body["ACL"], object_id)
        types, echo = apply_changes(body, data, class_name=class_name)
        check_and_record(self.storage, class_name, types)
        body["updatedAt"] = now_iso()
        if class_name == "_Session" and identity.master:
            vouch_for(body, changed=data.keys())
        self.storage.put(class_name, body)
        if class_name == "_Role":
            self.auth.roles_changed()
            if self.on_role_write is not None:
                self.on_role_write(identity)
        elif class_name == "_Session":
            self.auth.session_saved(original, body)
        self.publisher.publish_save(class_name, original, _snapshot(body))
        if password_changed:
            # Parse's ``revokeSessionOnPasswordReset`` (on by default): every session ends.
            self.auth.end_sessions_of(object_id)
        return body, echo

    def delete(self, class_name: str, object_id: str, identity: Identity) -> None:
        self._check_class(class_name, identity, creating=False)
        stored = self.storage.get(class_name, object_id)
        if class_name == "_User":
            refuse_foreign_user_write(identity, stored, deleting=True)
        if (
            stored is None
            or not can_write(stored.get("ACL"), identity)
            or (class_name == "_Session" and not may_see_session(stored, identity))
        ):
            raise ParseApiError(ErrorCode.OBJECT_NOT_FOUND, "Object not found for delete.")
        self.storage.delete(class_name, object_id)
        if class_name == "_User":
            self.auth.user_deleted(object_id)
        elif class_name == "_Session" and isinstance(stored.get("sessionToken"), str):
            self.auth.session_deleted(stored["sessionToken"])
        elif class_name == "_Role":
            self.auth.roles_changed()
        self.publisher.publish_delete(class_name, stored)

    # -- rules of the built-in classes ---------------------------------------

    def _check_class(self, class_name: str, identity: Identity, *, creating: bool) -> None:
        if not CLASS_NAME.fullmatch(class_name):
            raise ParseApiError(
                ErrorCode.INVALID_CLASS_NAME,
                f"Invalid class name: {class_name[:64]}. Class names start with a letter "
                "and contain only letters, digits and underscores.",
            )
        if (
            creating
            and not identity.master
            and not self.allow_class_creation
            and self.storage.fields(class_name) is None
            and not class_name.startswith("_")
        ):
            raise ParseApiError(
                ErrorCode.OPERATION_FORBIDDEN,
                f"This user is not allowed to access non-existent class: {class_name}",
            )

    def _prepare_user(self, data: JsonObject, body: JsonObject, *, creating: bool) -> None:
        username = data.get("username", body.get("username"))
        if creating or "username" in data:
            if not isinstance(username, str) or not username:
                raise ParseApiError(ErrorCode.USERNAME_MISSING, "bad or missing username")
            if self._username_taken(username, exclude=body["objectId"]):
                raise ParseApiError(
                    ErrorCode.USERNAME_TAKEN, "Account already exists for this username."
                )
        email = data.get("email")
        if (
            isinstance(email, str)
            and email
            and self._find_user("email", email, exclude=body["objectId"])
        ):
            raise ParseApiError(
                ErrorCode.EMAIL_TAKEN, "Account already exists for this email address."
            )
        password = data.pop("password", None)
        if creating and (not isinstance(password, str) or not password):
            raise ParseApiError(ErrorCode.PASSWORD_MISSING, "password is required")
        if password is not None:
            if not isinstance(password, str) or not password:
                raise ParseApiError(ErrorCode.PASSWORD_MISSING, "password is required")
            body[HASHED_PASSWORD] = hash_password(password)
        data.pop("sessionToken", None)
        data.pop("authData", None)

    def _find_user(self, field: str, value: str, *, exclude: str) -> JsonObject | None:
        folded = value.lower() if field == "email" else value
        for user in self.storage.scan("_User"):
            have = user.get(field)
            if field == "email" and isinstance(have, str):
                have = have.lower()
            if have == folded and user["objectId"] != exclude:
                return user
        return None

    def _username_taken(self, username: str, *, exclude: str) -> bool:
        """Parse compares usernames case-insensitively; lq also ignores invisible characters."""
        key = username_key(username)
        return any(
            isinstance(user.get("username"), str)
            and username_key(user["username"]) == key
            and user["objectId"] != exclude
            for user in self.storage.scan("_User")
        )

    def find_user_by_username(self, username: str) -> JsonObject | None:
        """The user with exactly this username (login is case-sensitive, as in Parse)."""
        return self._find_user("username", username, exclude="")

    def _check_role_name(self, name: Any, *, creating: bool) -> None:
        if not isinstance(name, str) or not name:
            raise ParseApiError(ErrorCode.INVALID_ROLE_NAME, "Role names must be specified.")
        if not _ROLE_NAME.fullmatch(name):
            raise ParseApiError(
                ErrorCode.INVALID_ROLE_NAME,
                "Role names can only contain alphanumeric characters, _, -, and spaces.",
            )
        if creating and any(r.get("name") == name for r in self.storage.scan("_Role")):
            raise ParseApiError(
                ErrorCode.DUPLICATE_VALUE, f"Cannot add duplicate role name of {name}"
            )
