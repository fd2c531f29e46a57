"""REST routes on ``_Installation`` (``installations[/<id>]``), with Parse Server 9's rules.

An installation holds a device's push token. Parse Server refuses ``find``
(and so ``count``) and ``delete`` on the collection without the master key
(119), so that no client can list or wipe other devices; a device reads and
updates its own installation by objectId (which only it knows). Writes
follow ``RestWrite.handleInstallation``: a new installation needs an
``installationId`` or a ``deviceToken`` (or the ``X-Parse-Installation-Id``
header) and a ``deviceType`` (135); ``installationId`` is lower-cased, and a
create that names an existing ``installationId`` updates that installation
(how a reinstalled app finds its row again); ``installationId`` and
``deviceType`` never change once set, nor ``deviceToken`` on a row without an
``installationId`` (136). Parse's clean-up of other rows sharing a
``deviceToken`` is not done (docs/serve.md).
"""

from __future__ import annotations

from typing import Any

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.rest_objects import (
    create_object,
    delete_object,
    find_objects,
    get_object,
    update_object,
)
from livequery_cli.server.rest_request import RestRequest, RestResponse

CLASS = "_Installation"
_APPLE_TOKEN_LENGTH = 64  # Parse lower-cases device tokens of this length (APNs, hex)


def _forbidden(operation: str) -> ParseApiError:
    return ParseApiError(
        ErrorCode.OPERATION_FORBIDDEN,
        f"Clients aren't allowed to perform the {operation} operation "
        "on the installation collection.",
    )


def refuse_client_listing(identity: Identity) -> None:
    """``find``/``count`` of installations is the master key's alone (REST and LiveQuery)."""
    if not identity.master:
        raise _forbidden("find")


def installation_route(
    service: ObjectService, request: RestRequest, object_id: str | None, location: str
) -> RestResponse | None:
    """Answer one call on ``_Installation``; None for a method the route does not have."""
    method, identity = request.method, request.identity
    if object_id is None and method == "GET":
        refuse_client_listing(identity)
        return find_objects(service, request, CLASS)
    if object_id is not None and method == "DELETE":
        if not identity.master:
            raise _forbidden("delete")
        return delete_object(service, request, CLASS, object_id)
    if object_id is not None and method == "GET":
        return get_object(service, request, CLASS, object_id)
    body = request.body if isinstance(request.body, dict) else {}
    _normalise(body)
    if object_id is None and method == "POST":
        existing = _existing_for_create(service, body, request)
        if existing is None:
            return create_object(service, request, CLASS, location)
        body.pop("objectId", None)
        body.pop("createdAt", None)
        response = update_object(service, request, CLASS, existing["objectId"])
        response.body["objectId"] = existing["objectId"]
        return response
    if object_id is not None and method == "PUT":
        stored = service.storage.get(CLASS, object_id)
        if stored is not None:
            _check_update(body, stored)
        return update_object(service, request, CLASS, object_id)
    return None


def _normalise(body: JsonObject) -> None:
    installation_id = body.get("installationId")
    if isinstance(installation_id, str):
        body["installationId"] = installation_id.lower()
    token = body.get("deviceToken")
    if isinstance(token, str) and len(token) == _APPLE_TOKEN_LENGTH:
        body["deviceToken"] = token.lower()


def _existing_for_create(
    service: ObjectService, body: JsonObject, request: RestRequest
) -> JsonObject | None:
    """The installation a create really updates (same installationId), else None."""
    installation_id: Any = body.get("installationId")
    if not installation_id and not request.identity.master and request.installation_id:
        installation_id = request.installation_id.lower()
    token = body.get("deviceToken")
    if not installation_id and not token:
        raise ParseApiError(
            ErrorCode.MISSING_REQUIRED_FIELD,
            "at least one ID field (deviceToken, installationId) must be specified "
            "in this operation",
        )
    match = None
    token_matches: list[JsonObject] = []
    for row in service.storage.scan(CLASS):
        if installation_id and row.get("installationId") == installation_id:
            match = row
        if token and row.get("deviceToken") == token:
            token_matches.append(row)
    if match is None and not body.get("deviceType"):
        raise ParseApiError(
            ErrorCode.MISSING_REQUIRED_FIELD, "deviceType must be specified in this operation"
        )
    if match is None and len(token_matches) == 1:
        only = token_matches[0]
        if not only.get("installationId") or not installation_id:
            match = only
    return match


def _check_update(body: JsonObject, stored: JsonObject) -> None:
    def changed(field: str) -> bool:
        return bool(body.get(field)) and bool(stored.get(field)) and body[field] != stored[field]

    if changed("installationId"):
        raise _immutable("installationId")
    if (
        changed("deviceToken")
        and not body.get("installationId")
        and not stored.get("installationId")
    ):
        raise _immutable("deviceToken")
    if body.get("deviceType") and body["deviceType"] != stored.get("deviceType"):
        raise _immutable("deviceType")


def _immutable(field: str) -> ParseApiError:
    return ParseApiError(
        ErrorCode.CHANGED_IMMUTABLE_FIELD, f"{field} may not be changed in this operation"
    )
