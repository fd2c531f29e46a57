"""REST routes on objects: ``classes/<class>[/<id>]`` and the aliases of built-in classes.

Answers follow Parse Server: create is 201 with ``objectId`` and
``createdAt`` (and a ``Location`` header), update answers ``updatedAt`` plus
the results of field operators, delete answers ``{}``, and an object the
caller may not read or write is "Object not found" (101), so an ACL never
reveals that an object exists.
"""

from __future__ import annotations

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.find_query import get_one, run_find
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.rest_request import RestRequest, RestResponse


def _body(request: RestRequest) -> JsonObject:
    if request.body is None:
        return {}
    if not isinstance(request.body, dict):
        raise ParseApiError(ErrorCode.INVALID_JSON, "request body must be a JSON object")
    return request.body


def create_object(
    service: ObjectService, request: RestRequest, class_name: str, location_base: str
) -> RestResponse:
    body, echo = service.create(class_name, _body(request), request.identity)
    answer: JsonObject = {"objectId": body["objectId"], "createdAt": body["createdAt"], **echo}
    return RestResponse(
        201, answer, {"Location": f"{location_base}/{class_name}/{body['objectId']}"}
    )


def get_object(
    service: ObjectService, request: RestRequest, class_name: str, object_id: str
) -> RestResponse:
    return RestResponse(
        200, get_one(service, class_name, object_id, request.identity, request.params)
    )


def update_object(
    service: ObjectService, request: RestRequest, class_name: str, object_id: str
) -> RestResponse:
    body, echo = service.update(class_name, object_id, _body(request), request.identity)
    return RestResponse(200, {"updatedAt": body["updatedAt"], **echo})


def delete_object(
    service: ObjectService, request: RestRequest, class_name: str, object_id: str
) -> RestResponse:
    service.delete(class_name, object_id, request.identity)
    return RestResponse(200, {})


def find_objects(service: ObjectService, request: RestRequest, class_name: str) -> RestResponse:
    return RestResponse(200, run_find(service, class_name, request.identity, request.params))
