"""Sign up, log in, log out and ``users/me``.

Sign-up is a ``_User`` create that also opens a session; its answer is the
only place besides login and ``users/me`` where a session token is sent, and
it goes only to the token's owner. Logging out deletes the ``_Session``, which
also ends, at once, every LiveQuery subscription that relied on the token.
Logins check the password in a worker thread (:mod:`password_pool`) and are
throttled per username and per address after failures (:mod:`login_limits`).
"""

from __future__ import annotations

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity
from livequery_cli.server.documents import HASHED_PASSWORD
from livequery_cli.server.login_limits import FailedLogins
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.password_pool import PasswordPool
from livequery_cli.server.rest_errors import ParseApiError, invalid_session
from livequery_cli.server.rest_objects import create_object, update_object
from livequery_cli.server.rest_request import RestRequest, RestResponse


def sign_up(service: ObjectService, request: RestRequest, location_base: str) -> RestResponse:
    response = create_object(service, request, "_User", location_base)
    token = service.auth.create_session(
        response.body["objectId"], "signup", request.installation_id
    )
    response.body["sessionToken"] = token
    return response


def update_user(service: ObjectService, request: RestRequest, object_id: str) -> RestResponse:
    """``PUT users/<id>``; a password change ends every session of the user (as Parse does).

    The caller's own session ends too; a caller without the master key gets a
    new session in the answer (``sessionToken``), as Parse Server 9 answers.
    """
    changes_password = isinstance(request.body, dict) and "password" in request.body
    response = update_object(service, request, "_User", object_id)
    if changes_password and not request.identity.master:
        # Parse's new session has no ``createdWith`` (no login or sign-up made it).
        session = service.auth.new_session(object_id, None, request.installation_id)
        service.auth.store_session(session)
        response.body["sessionToken"] = session["sessionToken"]
    return response


async def log_in(
    service: ObjectService, request: RestRequest, passwords: PasswordPool, failures: FailedLogins
) -> RestResponse:
    source: JsonObject = dict(request.params)
    if isinstance(request.body, dict):
        source.update(request.body)
    username = source.get("username")
    password = source.get("password")
    if not isinstance(username, str) or not username:
        raise ParseApiError(ErrorCode.USERNAME_MISSING, "username/email is required.")
    if not isinstance(password, str) or not password:
        raise ParseApiError(ErrorCode.PASSWORD_MISSING, "password is required.")
    failures.check(username, request.client_address)
    user = service.find_user_by_username(username)
    stored_hash = user.get(HASHED_PASSWORD) if user else None
    if isinstance(stored_hash, str) and await passwords.verify(password, stored_hash):
        # The user may have changed (password, deletion) while the hash was computed.
        user = service.find_user_by_username(username)
    else:
        user = None
    if user is None or user.get(HASHED_PASSWORD) != stored_hash:
        failures.failed(username, request.client_address)
        raise ParseApiError(ErrorCode.OBJECT_NOT_FOUND, "Invalid username/password.")
    failures.succeeded(username)
    token = service.auth.create_session(user["objectId"], "login", request.installation_id)
    view = service.view("_User", user, Identity(user_id=user["objectId"]))
    view["sessionToken"] = token
    return RestResponse(200, view)


def log_out(service: ObjectService, request: RestRequest) -> RestResponse:
    if request.session_token is not None:
        service.auth.end_session(request.session_token)
    return RestResponse(200, {})


def me(service: ObjectService, request: RestRequest) -> RestResponse:
    user_id = request.identity.user_id
    if request.session_token is None or user_id is None:
        raise invalid_session()
    user = service.storage.get("_User", user_id)
    if user is None:
        raise invalid_session()
    view = service.view("_User", user, request.identity)
    view["sessionToken"] = request.session_token
    return RestResponse(200, view)


def session_me(service: ObjectService, request: RestRequest) -> RestResponse:
    if request.session_token is None:
        raise invalid_session()
    session = service.auth.session_for_token(request.session_token)
    if session is None:
        raise invalid_session()
    view = service.view("_Session", session, request.identity)
    view["sessionToken"] = request.session_token
    return RestResponse(200, view)
