"""REST routes on ``_Session`` (``sessions[/<id>]``, ``classes/_Session[/<id>]``), as in Parse 9.

Without the master key a caller must be logged in (209 otherwise) and only
ever sees its own sessions: ``find`` is narrowed to ``user = caller`` the way
Parse's ``RestQuery`` narrows it, and ``get``/``update``/``delete`` of another
user's session is "Object not found" (101). ``POST sessions`` by a user opens
a new session *for that user* (Parse's ``createdWith: {"action": "create"}``):
``user``, ``sessionToken``, ``expiresAt`` and ``createdWith`` in the body are
ignored, so nobody can mint a session for someone else. Only the master key
creates sessions with chosen fields.
"""

from __future__ import annotations

import orjson

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.documents import pointer
from livequery_cli.server.field_ops import apply_changes
from livequery_cli.server.find_query import run_find
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.rest_errors import ParseApiError, invalid_session
from livequery_cli.server.rest_objects import (
    create_object,
    delete_object,
    get_object,
    update_object,
)
from livequery_cli.server.rest_request import RestRequest, RestResponse
from livequery_cli.server.schema import check_and_record
from livequery_cli.server.session_rules import check_session_write, require_session_user

_SET_BY_SERVER = frozenset({"objectId", "user", "sessionToken", "expiresAt", "createdWith"})


def session_route(
    service: ObjectService, request: RestRequest, object_id: str | None, location: str
) -> RestResponse | None:
    """Answer one call on ``_Session``; None for a method the route does not have."""
    method, identity = request.method, request.identity
    if object_id is None and method == "GET":
        require_session_user(identity)
        if not identity.master:
            request.params = _own_sessions_only(request.params, identity.user_id or "")
        return RestResponse(200, run_find(service, "_Session", identity, request.params))
    if object_id is None and method == "POST":
        if identity.master:
            return create_object(service, request, "_Session", location)
        return _open_own_session(service, request, location)
    if object_id is not None and method == "GET":
        require_session_user(identity)
        return get_object(service, request, "_Session", object_id)
    if object_id is not None and method == "PUT":
        return update_object(service, request, "_Session", object_id)
    if object_id is not None and method == "DELETE":
        require_session_user(identity)
        return delete_object(service, request, "_Session", object_id)
    return None


def _own_sessions_only(params: JsonObject, user_id: str) -> JsonObject:
    """``where`` AND ``user = caller``, as Parse's ``RestQuery`` rewrites it."""
    where = params.get("where")
    if isinstance(where, str):
        try:
            where = orjson.loads(where) if where.strip() else None
        except orjson.JSONDecodeError:
            raise ParseApiError(ErrorCode.INVALID_QUERY, "invalid JSON in where") from None
    mine = {"user": pointer("_User", user_id)}
    return {**params, "where": {"$and": [where, mine]} if where else mine}


def _open_own_session(service: ObjectService, request: RestRequest, location: str) -> RestResponse:
    body = request.body if isinstance(request.body, dict) else {}
    identity = request.identity
    check_session_write(body, identity, updating=False)
    if identity.user_id is None:  # not reached: the check above refuses the anonymous
        raise invalid_session()
    extra = {k: v for k, v in body.items() if k not in _SET_BY_SERVER}
    session = service.auth.new_session(identity.user_id, {"action": "create"}, None)
    types, _ = apply_changes(session, dict(extra), class_name="_Session")
    check_and_record(service.storage, "_Session", types)
    service.auth.store_session(session)
    answer: JsonObject = {
        key: session[key] for key in ("sessionToken", "user", "createdWith", "expiresAt")
    }
    answer.update(extra)
    answer["objectId"] = session["objectId"]
    return RestResponse(201, answer, {"Location": f"{location}/_Session/{session['objectId']}"})
