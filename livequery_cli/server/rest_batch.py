"""``POST batch``: several calls in one request, each answered on its own.

Sub-request paths may carry the mount path (``/parse/classes/Game``, as the
JS SDK sends) or not (``/classes/Game``). The calls run in order with the
batch's credentials; one failing does not stop the others, and each answer is
``{"success": ...}`` or ``{"error": {"code", "error"}}``, as Parse answers.

Password work (logins, ``verifyPassword``, sign-ups, password changes: each
an scrypt hash) is capped per batch for callers without the master key: a
batch otherwise turns one request into hundreds of hashes, or hundreds of
password guesses. The cap is the JS SDK's ``saveAll`` batch size, so saving a page of new users in
one batch still works; the whole batch is refused before any call runs, the
way Parse Server refuses a batch over its ``batchRequestLimit``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.rest_request import RestRequest, RestResponse, split_path

MAX_BATCH = 1000
MAX_PASSWORD_CALLS = 20
Dispatch = Callable[[RestRequest], Awaitable[RestResponse]]
_USER_PATHS = (["users"], ["classes", "_User"])


async def run_batch(request: RestRequest, mount: str, dispatch: Dispatch) -> RestResponse:
    body = request.body if isinstance(request.body, dict) else {}
    calls = body.get("requests")
    if not isinstance(calls, list):
        raise ParseApiError(ErrorCode.INVALID_JSON, "requests must be an array")
    if len(calls) > MAX_BATCH:
        raise ParseApiError(ErrorCode.INVALID_JSON, f"a batch holds at most {MAX_BATCH} requests")
    if not request.identity.master:
        hashing = sum(1 for call in calls if _works_a_password(call, mount))
        if hashing > MAX_PASSWORD_CALLS:
            raise ParseApiError(
                ErrorCode.INVALID_JSON,
                f"a batch may hold at most {MAX_PASSWORD_CALLS} logins, sign-ups and password "
                f"changes; this one holds {hashing}",
            )
    answers: list[JsonObject] = []
    for call in calls:
        try:
            answers.append({"success": (await _one(call, request, mount, dispatch)).body})
        except ParseApiError as exc:
            answers.append({"error": exc.to_json()})
    return RestResponse(200, answers)


def _segments(path: str, mount: str) -> list[str]:
    segments = split_path(path, mount)
    if segments is None:
        segments = split_path(path, "/") or []
    return segments


def _works_a_password(call: object, mount: str) -> bool:
    """Whether a batched call logs in, signs up or sets a password (an scrypt hash each)."""
    if not isinstance(call, dict) or not isinstance(call.get("path"), str):
        return False
    segments = _segments(call["path"], mount)
    if segments in (["login"], ["verifyPassword"]):
        return True
    body = call.get("body")
    return (
        any(segments[: len(p)] == p for p in _USER_PATHS)
        and isinstance(body, dict)
        and "password" in body
    )


async def _one(call: object, batch: RestRequest, mount: str, dispatch: Dispatch) -> RestResponse:
    if not isinstance(call, dict):
        raise ParseApiError(ErrorCode.INVALID_JSON, "each batch request must be an object")
    method = call.get("method")
    path = call.get("path")
    if not isinstance(method, str) or not isinstance(path, str):
        raise ParseApiError(ErrorCode.INVALID_JSON, "each batch request needs a method and a path")
    segments = _segments(path, mount)
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
        client_address=batch.client_address,
    )
    if sub.method in ("GET", "DELETE") and isinstance(sub.body, dict):
        sub.params = sub.body
        sub.body = None
    return await dispatch(sub)
