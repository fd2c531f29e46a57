"""One REST call that returns Parse's answer as data, for tests comparing two servers.

``RestWriter`` raises on errors; differential tests want the status, code and
message of every answer side by side, and sometimes headers it does not send
(``X-Parse-Installation-Id``). Secrets travel as headers and are never part
of an answer or an assertion message.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


def call(
    server: Any,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    master: bool = False,
    installation_id: str | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    """``(HTTP status, decoded JSON or None)`` of one call to ``server`` (a rig handle)."""
    url = f"{server.rest_url}/{path}"
    if params:
        url += "?" + urllib.parse.urlencode(
            {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        )
    headers = {"X-Parse-Application-Id": server.app_id, "Content-Type": "application/json"}
    if master:
        headers["X-Parse-Master-Key"] = server.master_key
    else:
        headers["X-Parse-REST-API-Key"] = server.rest_key
    if token is not None:
        headers["X-Parse-Session-Token"] = token
    if installation_id is not None:
        headers["X-Parse-Installation-Id"] = installation_id
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        raw = error.read()
        status = error.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, None


def error_of(answer: tuple[int, Any]) -> tuple[int, int | None, str | None]:
    """``(status, code, message)`` of an error answer (code/message None if it has none)."""
    status, body = answer
    if not isinstance(body, dict):
        return status, None, None
    return status, body.get("code"), body.get("error")
