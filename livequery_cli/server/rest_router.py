"""Which handler answers which REST path, independent of the HTTP framework.

``dispatch`` takes a decoded, authenticated :class:`RestRequest`; ``batch``
re-enters it for each sub-request, so a call behaves the same alone or
batched. It is a coroutine only for the password work: a login's check and a
new password's hash run in worker threads (:mod:`password_pool`), and the
hash is handed to the (synchronous) object service ready-made. Parse's
aliases map onto classes: ``users`` -> ``_User``, ``roles`` -> ``_Role``,
``sessions`` -> ``_Session``.
"""

from __future__ import annotations

from livequery_cli.server.login_limits import FailedLogins
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.password_pool import PasswordPool
from livequery_cli.server.rest_batch import run_batch
from livequery_cli.server.rest_credentials import log_in_as, verify_user_password
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.rest_installations import installation_route
from livequery_cli.server.rest_objects import (
    create_object,
    delete_object,
    find_objects,
    get_object,
    update_object,
)
from livequery_cli.server.rest_request import RestRequest, RestResponse
from livequery_cli.server.rest_schemas import config_params, health, schemas
from livequery_cli.server.rest_sessions import session_route
from livequery_cli.server.rest_users import (
    log_in,
    log_out,
    me,
    session_me,
    sign_up,
    update_user,
)

ALIASES = {
    "users": "_User",
    "roles": "_Role",
    "sessions": "_Session",
    "installations": "_Installation",
}


def _unknown(request: RestRequest) -> ParseApiError:
    return ParseApiError(None, f"Cannot {request.method} /{'/'.join(request.path)}", status=404)


class RestRouter:
    """Routes REST calls to the object, user, batch and schema handlers."""

    def __init__(
        self,
        service: ObjectService,
        mount: str,
        rest_url: str = "",
        *,
        passwords: PasswordPool,
        failed_logins: FailedLogins,
    ) -> None:
        self.service = service
        self.mount = mount
        self.rest_url = rest_url
        self.passwords = passwords
        self.failed_logins = failed_logins

    async def dispatch(self, request: RestRequest) -> RestResponse:
        path, method = request.path, request.method
        head = path[0] if path else ""
        if head == "health" and len(path) == 1:
            return health()
        if head == "batch" and len(path) == 1 and method == "POST":
            return await run_batch(request, self.mount, self.dispatch)
        if head == "login" and len(path) == 1 and method in ("GET", "POST"):
            return await log_in(self.service, request, self.passwords, self.failed_logins)
        if head == "logout" and len(path) == 1 and method == "POST":
            return log_out(self.service, request)
        if head == "verifyPassword" and len(path) == 1 and method in ("GET", "POST"):
            return await verify_user_password(
                self.service, request, self.passwords, self.failed_logins
            )
        if head == "loginAs" and len(path) == 1 and method == "POST":
            return log_in_as(self.service, request)
        if head == "schemas" and len(path) <= 2:
            return schemas(self.service, request, path[1] if len(path) == 2 else None)
        if head == "config" and len(path) == 1 and method == "GET":
            return config_params()
        if head == "users" and path[1:] == ["me"] and method == "GET":
            return me(self.service, request)
        if head == "sessions" and path[1:] == ["me"] and method == "GET":
            return session_me(self.service, request)
        if head == "classes" and len(path) in (2, 3):
            class_name, object_id = path[1], path[2] if len(path) == 3 else None
        elif head in ALIASES and len(path) in (1, 2):
            class_name, object_id = ALIASES[head], path[1] if len(path) == 2 else None
        else:
            raise _unknown(request)
        if class_name == "_User" and method in ("POST", "PUT"):
            await self._hash_new_password(request)
        return self._object_route(request, class_name, object_id)

    async def _hash_new_password(self, request: RestRequest) -> None:
        """Replace a new clear-text password by its hash, computed off the event loop."""
        body = request.body
        if isinstance(body, dict) and isinstance(body.get("password"), str) and body["password"]:
            request.body = {**body, "password": await self.passwords.hash(body["password"])}

    def _object_route(
        self, request: RestRequest, class_name: str, object_id: str | None
    ) -> RestResponse:
        service, method = self.service, request.method
        location = f"{self.rest_url}/classes"
        special = {"_Session": session_route, "_Installation": installation_route}.get(class_name)
        if special is not None:
            answer = special(service, request, object_id, location)
            if answer is None:
                raise _unknown(request)
            return answer
        if object_id is None:
            if method == "GET":
                return find_objects(service, request, class_name)
            if method == "POST":
                if class_name == "_User":
                    return sign_up(service, request, location)
                return create_object(service, request, class_name, location)
        else:
            if method == "GET":
                return get_object(service, request, class_name, object_id)
            if method == "PUT" and class_name == "_User":
                return update_user(service, request, object_id)
            if method == "PUT":
                return update_object(service, request, class_name, object_id)
            if method == "DELETE":
                return delete_object(service, request, class_name, object_id)
        raise _unknown(request)
