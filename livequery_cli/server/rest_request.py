"""One REST call, decoded from either of the two styles Parse clients use.

Most clients send Parse's headers (``X-Parse-Application-Id`` ...) and a JSON
body. The Parse JS SDK instead POSTs every call with a ``text/plain`` JSON
body carrying the real verb and the keys as ``_method``, ``_ApplicationId``,
``_JavaScriptKey``, ``_MasterKey``, ``_SessionToken`` ...; for a GET the query
parameters travel in that body too. Both arrive here as one
:class:`RestRequest`, and the keys are checked the way Parse Server checks
them, before any route runs.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import orjson
from multidict import MultiMapping

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity
from livequery_cli.server.auth import AuthService
from livequery_cli.server.documents import MAX_VALUE_NESTING
from livequery_cli.server.rest_errors import ParseApiError, invalid_session, unauthorized
from livequery_cli.server.server_config import ServerConfig

_BODY_KEYS = {
    "_ApplicationId": "app_id",
    "_JavaScriptKey": "js_key",
    "_ClientKey": "js_key",
    "_RESTAPIKey": "js_key",
    "_MasterKey": "master_key",
    "_SessionToken": "session_token",
    "_InstallationId": "installation_id",
}
_IGNORED_BODY_KEYS = frozenset(
    {"_method", "_ClientVersion", "_RevocableSession", "_ContentType", "_context"}
)
_HEADER_KEYS = {
    "X-Parse-Application-Id": "app_id",
    "X-Parse-REST-API-Key": "js_key",
    "X-Parse-Javascript-Key": "js_key",
    "X-Parse-Client-Key": "js_key",
    "X-Parse-Master-Key": "master_key",
    "X-Parse-Session-Token": "session_token",
    "X-Parse-Installation-Id": "installation_id",
}


@dataclass
class RestRequest:
    """A decoded, authenticated REST call (``path`` is the segments after the mount)."""

    method: str
    path: list[str]
    params: JsonObject = field(default_factory=dict)
    body: Any = None
    identity: Identity = field(default_factory=Identity)
    session_token: str | None = field(default=None, repr=False)
    installation_id: str | None = None
    client_address: str = ""  # the peer's address, for per-address limits


@dataclass
class RestResponse:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Credentials:
    """The keys a call carried, from headers or from the body."""

    app_id: str | None = None
    js_key: str | None = field(default=None, repr=False)
    master_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    installation_id: str | None = None


def split_path(path: str, mount: str) -> list[str] | None:
    """Segments of ``path`` below the mount point, or None when it is outside it."""
    prefix = "" if mount == "/" else mount
    if path != prefix and not path.startswith(prefix + "/"):
        return None
    rest = path[len(prefix) :]
    return [unquote(p) for p in rest.split("/") if p]


# How deeply a request body may nest: a field's value may nest MAX_VALUE_NESTING
# levels (checked exactly, dotted keys included, in ``field_ops``), plus room for
# the body itself and a ``batch`` envelope. This cheap first check stops a
# pathological body before any of it is looked at.
MAX_BODY_NESTING = MAX_VALUE_NESTING + 8


def _nested_deeper_than(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def decode_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ParseApiError(ErrorCode.INVALID_JSON, "invalid JSON") from None
    if _nested_deeper_than(body, MAX_BODY_NESTING):
        raise ParseApiError(
            ErrorCode.INVALID_JSON, f"the body nests more than {MAX_BODY_NESTING} levels deep"
        )
    return body


def decode_call(
    method: str,
    path: list[str],
    headers: MultiMapping[str],
    query: MultiMapping[str],
    raw_body: bytes,
) -> tuple[RestRequest, Credentials]:
    """Turn an HTTP request into a (not yet authenticated) RestRequest and its keys."""
    creds = Credentials()
    for header, attr in _HEADER_KEYS.items():
        value = headers.get(header)
        if value:
            setattr(creds, attr, value)
    body = decode_body(raw_body)
    if isinstance(body, dict):
        verb = body.get("_method")
        if isinstance(verb, str) and method == "POST":
            method = verb.upper()
        for key, attr in _BODY_KEYS.items():
            value = body.pop(key, None)
            if isinstance(value, str) and value:
                setattr(creds, attr, value)
        for key in _IGNORED_BODY_KEYS:
            body.pop(key, None)
    params: JsonObject = {}
    for key in query:
        params[key] = query.get(key)
    if method in ("GET", "DELETE") and isinstance(body, dict):
        params.update(body)
        body = None
    request = RestRequest(method=method, path=path, params=params, body=body)
    request.installation_id = creds.installation_id
    return request, creds


def _same_secret(given: str | None, expected: str | None) -> bool:
    if given is None or expected is None:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def authenticate(
    request: RestRequest, creds: Credentials, config: ServerConfig, auth: AuthService
) -> None:
    """Check the keys and resolve the session token into ``request.identity``.

    A wrong application id, a wrong master key or (when the server has a
    JavaScript key) a missing client key is a 403 ``unauthorized``; a session
    token that names no live session is Parse's error 209.
    """
    if not _same_secret(creds.app_id, config.app_id):
        raise unauthorized()
    master = False
    if creds.master_key is not None:
        if not _same_secret(creds.master_key, config.master_key):
            raise unauthorized()
        master = True
    elif config.js_key is not None and not _same_secret(creds.js_key, config.js_key):
        raise unauthorized()
    identity = auth.identity_for_token(creds.session_token, master=master)
    if identity is None:
        raise invalid_session()
    request.identity = identity
    request.session_token = creds.session_token
