"""``POST batch``: several calls in one request, each answered on its own.

Sub-request paths may carry the mount path (``/parse/classes/Game``, as the
JS SDK sends) or not (``/classes/Game``). The calls run in order with the
batch's credentials; one failing does not stop the others, and each answer is
``{"success": ...}`` or ``{"error": {"code", "error"}}``, as Parse answers.
"""

from __future__ import annotations

from collections.abc import Callable

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.rest_request import RestRequest, RestResponse, split_path

MAX_BATCH = 1000
Dispatch = Callable[[RestRequest], RestResponse]


def run_batch(request: RestRequest, mount: str, dispatch: Dispatch) -> RestResponse:
    body = request.body if isinstance(request.body, dict) else {}
    calls = body.get("requests")
    if not isinstance(calls, list):
        raise ParseApiError(ErrorCode.INVALID_JSON, "requests must be an array")
    if len(calls) > MAX_BATCH:
        raise ParseApiError(ErrorCode.INVALID_JSON, f"a batch holds at most {MAX_BATCH} requests")
    answers: list[JsonObject] = []
    for call in calls:
        try:
            answers.append({"success": _one(call, request, mount, dispatch).body})
        except ParseApiError as exc:
            answers.append({"error": exc.to_json()})
    return RestResponse(200, answers)


def _one(call: object, batch: RestRequest, mount: str, dispatch: Dispatch) -> RestResponse:
    if not isinstance(call, dict):
        raise ParseApiError(ErrorCode.INVALID_JSON, "each batch request must be an object")
    method = call.get("method")
    path = call.get("path")
    if not isinstance(method, str) or not isinstance(path, str):
        raise ParseApiError(ErrorCode.INVALID_JSON, "each batch request needs a method and a path")
    segments = split_path(path, mount)
    if segments is None:
        segments = split_path(path, "/") or []
    if segments and segments[0] == "batch":
        raise ParseApiError(ErrorCode.INVALID_JSON, "a batch cannot contain a batch")
    sub = RestRequest(
        method=method.upper(),
        path=segments,
        params={},
        body=call.get("body"),
        identity=batch.identity,
        session_token=batch.session_token,
        installation_id=batch.installation_id,
    )
    if sub.method in ("GET", "DELETE") and isinstance(sub.body, dict):
        sub.params = sub.body
        sub.body = None
    return dispatch(sub)
