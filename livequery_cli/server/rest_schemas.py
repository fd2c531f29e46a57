"""``schemas`` (master key only), ``health`` and ``config``.

``schemas`` lists each class with its field types in Parse's format; the
``lq`` CLI uses it to complete class names. Classes can be created (and
fields added) ahead of any object with ``POST``/``PUT schemas/<class>``, which
is how Parse deployments pre-declare classes.
"""

from __future__ import annotations

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.documents import CLASS_NAME, FIELD_NAME
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.rest_errors import ParseApiError, unauthorized
from livequery_cli.server.rest_request import RestRequest, RestResponse
from livequery_cli.server.schema import check_and_record, class_fields

_PUBLIC_CLP: JsonObject = {
    "find": {"*": True},
    "count": {"*": True},
    "get": {"*": True},
    "create": {"*": True},
    "update": {"*": True},
    "delete": {"*": True},
    "addField": {"*": True},
    "protectedFields": {"*": []},
}


def _describe(service: ObjectService, class_name: str) -> JsonObject:
    return {
        "className": class_name,
        "fields": class_fields(service.storage, class_name),
        "classLevelPermissions": _PUBLIC_CLP,
    }


def _require_master(request: RestRequest) -> None:
    if not request.identity.master:
        raise unauthorized("unauthorized: master key is required")


def schemas(service: ObjectService, request: RestRequest, class_name: str | None) -> RestResponse:
    _require_master(request)
    if class_name is None:
        if request.method != "GET":
            raise ParseApiError(ErrorCode.INVALID_JSON, "use schemas/<className> to change a class")
        names = service.storage.class_names()
        return RestResponse(200, {"results": [_describe(service, n) for n in names]})
    if not CLASS_NAME.fullmatch(class_name):
        raise ParseApiError(ErrorCode.INVALID_CLASS_NAME, f"Invalid classname: {class_name[:64]}")
    if request.method == "GET":
        if class_name not in service.storage.class_names():
            raise ParseApiError(ErrorCode.INVALID_CLASS_NAME, f"Class {class_name} does not exist.")
        return RestResponse(200, _describe(service, class_name))
    if request.method in ("POST", "PUT"):
        exists = class_name in service.storage.class_names()
        if request.method == "POST" and exists:
            raise ParseApiError(ErrorCode.INVALID_CLASS_NAME, f"Class {class_name} already exists.")
        if request.method == "PUT" and not exists:
            raise ParseApiError(ErrorCode.INVALID_CLASS_NAME, f"Class {class_name} does not exist.")
        body = request.body if isinstance(request.body, dict) else {}
        fields = body.get("fields") or {}
        if not isinstance(fields, dict):
            raise ParseApiError(ErrorCode.INVALID_JSON, "fields must be an object")
        types: dict[str, JsonObject] = {}
        for name, spec in fields.items():
            if not FIELD_NAME.fullmatch(name) or not isinstance(spec, dict) or "type" not in spec:
                raise ParseApiError(ErrorCode.INVALID_KEY_NAME, f"invalid field {name!r}")
            types[name] = {k: v for k, v in spec.items() if k in ("type", "targetClass")}
        check_and_record(service.storage, class_name, types)
        return RestResponse(200, _describe(service, class_name))
    if request.method == "DELETE":
        service.storage.drop_class(class_name)
        return RestResponse(200, {})
    raise ParseApiError(ErrorCode.INVALID_JSON, f"unsupported method {request.method}")


def health() -> RestResponse:
    return RestResponse(200, {"status": "ok"})


def config_params() -> RestResponse:
    return RestResponse(200, {"params": {}, "masterKeyOnly": {}})
