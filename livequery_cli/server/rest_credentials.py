"""``verifyPassword`` and ``loginAs``: credentials checked without the usual login.

``verifyPassword`` (``GET`` or ``POST``) answers whether a username (or
email) and password are right, with the user as that user sees itself and
no session: apps use it to re-confirm a password before a sensitive change.
``loginAs`` (``POST``, master key only) opens a session for any user without
a password, for back-office tools acting on a user's behalf; its session
records ``authProvider: "masterkey"``. Both follow Parse Server's
``UsersRouter``: the same parameters, lookups, codes and messages.
``verifyPassword`` is a password check like a login: it runs in the worker
pool and counts toward the same failed-login limits (:mod:`login_limits`).
"""

from __future__ import annotations

from typing import Any

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity, can_read
from livequery_cli.server.documents import HASHED_PASSWORD
from livequery_cli.server.login_limits import FailedLogins
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.password_pool import PasswordPool
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.rest_request import RestRequest, RestResponse


def _wrong_credentials() -> ParseApiError:
    return ParseApiError(ErrorCode.OBJECT_NOT_FOUND, "Invalid username/password.")


def _credentials(request: RestRequest) -> JsonObject:
    """The body's fields, or the URL's when they name the user and the body does not."""
    body: JsonObject = request.body if isinstance(request.body, dict) else {}
    params = request.params
    if (not body.get("username") and params.get("username")) or (
        not body.get("email") and params.get("email")
    ):
        return dict(params)
    return body


def _lookup(service: ObjectService, username: Any, email: Any) -> JsonObject | None:
    """As Parse looks up: username and email together, email alone, or a username (or email)."""
    if username and not email:
        user = service.find_user_by_username(username)
        if user is not None:
            return user
        email = username
        username = None
    for user in service.storage.scan("_User"):
        if user.get("email") == email and (not username or user.get("username") == username):
            return user
    return None


async def authenticate_user(
    service: ObjectService, request: RestRequest, passwords: PasswordPool, failures: FailedLogins
) -> JsonObject:
    """The stored user whose credentials the request carries, else Parse's error."""
    source = _credentials(request)
    username, email, password = source.get("username"), source.get("email"), source.get("password")
    if not username and not email:
        raise ParseApiError(ErrorCode.USERNAME_MISSING, "username/email is required.")
    if not password:
        raise ParseApiError(ErrorCode.PASSWORD_MISSING, "password is required.")
    if (
        not isinstance(password, str)
        or (email and not isinstance(email, str))
        or (username and not isinstance(username, str))
    ):
        raise _wrong_credentials()
    name = str(username or email)
    failures.check(name, request.client_address)
    user = _lookup(service, username, email)
    stored_hash = user.get(HASHED_PASSWORD) if user is not None else None
    if isinstance(stored_hash, str) and await passwords.verify(password, stored_hash):
        user = _lookup(service, username, email)  # it may have changed meanwhile
    else:
        user = None
    if user is None or user.get(HASHED_PASSWORD) != stored_hash:
        failures.failed(name, request.client_address)
        raise _wrong_credentials()
    failures.succeeded(name)
    acl = user.get("ACL")
    if not request.identity.master and isinstance(acl, dict) and not acl:
        raise _wrong_credentials()  # an empty ACL locks a user out, as in Parse
    return user


async def verify_user_password(
    service: ObjectService, request: RestRequest, passwords: PasswordPool, failures: FailedLogins
) -> RestResponse:
    user = await authenticate_user(service, request, passwords, failures)
    identity = request.identity if request.identity.master else Identity(user_id=user["objectId"])
    if not can_read(user.get("ACL"), identity):
        return RestResponse(200, {"objectId": user["objectId"]})
    return RestResponse(200, service.view("_User", user, identity))


def log_in_as(service: ObjectService, request: RestRequest) -> RestResponse:
    if not request.identity.master:
        raise ParseApiError(ErrorCode.OPERATION_FORBIDDEN, "Permission denied")
    body: JsonObject = request.body if isinstance(request.body, dict) else {}
    user_id = body.get("userId") or request.params.get("userId")
    if not user_id:
        raise ParseApiError(ErrorCode.INVALID_VALUE, "userId must not be empty, null, or undefined")
    user = service.storage.get("_User", user_id) if isinstance(user_id, str) else None
    if user is None:
        raise ParseApiError(ErrorCode.OBJECT_NOT_FOUND, "user not found")
    token = service.auth.create_session(
        user["objectId"], "login", request.installation_id, auth_provider="masterkey"
    )
    view = service.view("_User", user, request.identity)
    view["sessionToken"] = token
    return RestResponse(200, view)
