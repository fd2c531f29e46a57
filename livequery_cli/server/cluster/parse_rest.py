"""The three REST questions a LiveQuery node asks its Parse Server, with the master key.

- whose is this session token? (``GET /users/me``; Parse answers 209 for an
  invalid or expired token);
- which roles does this user hold, nested roles included? (``_Role`` queries
  on the ``users`` and ``roles`` relations, as Parse's ``Auth`` walks them);
- what are a class's permissions? (``GET /schemas/<class>``: CLPs,
  ``protectedFields``, ``readUserFields``).

Any other answer (connection refused, timeout, HTTP 5xx, not JSON) raises
:class:`ParseUnavailable`: the caller must then fail closed, never guess.
Error messages name the question, never a token or the master key.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.headers import parse_headers
from livequery_cli.parse.json_types import JsonObject

REQUEST_TIMEOUT_S = 5.0
_ROLE_PAGE = 1000
_ROLE_DEPTH_LIMIT = 20


class ParseUnavailable(RuntimeError):
    """The Parse Server could not answer (down, slow, or an unexpected reply)."""


def _pointer(class_name: str, object_id: str) -> JsonObject:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


class ParseRest:
    """A small aiohttp client for one Parse Server app, created lazily, closed by :meth:`close`."""

    def __init__(self, server_url: str, app_id: str, master_key: str) -> None:
        self.server_url = server_url.rstrip("/")
        self._headers = parse_headers(app_id, master_key=master_key)
        self._session: aiohttp.ClientSession | None = None
        self.requests = 0

    def __repr__(self) -> str:
        return f"ParseRest({self.server_url!r})"

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _get(
        self, path: str, params: dict[str, str] | None = None, token: str | None = None
    ) -> tuple[int, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
            )
        headers = dict(self._headers)
        if token:
            headers["X-Parse-Session-Token"] = token
        self.requests += 1
        try:
            async with self._session.get(
                self.server_url + path, params=params, headers=headers
            ) as response:
                raw = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise ParseUnavailable(f"GET {path.split('?')[0]}: {type(exc).__name__}") from None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ParseUnavailable(f"GET {path}: HTTP {status}, not JSON") from None
        if status >= 500:
            raise ParseUnavailable(f"GET {path}: HTTP {status}")
        return status, body

    async def user_id_for_token(self, token: str) -> str | None:
        """The session's user id; None when Parse says the token is invalid (209)."""
        status, body = await self._get("/users/me", token=token)
        if status == 200 and isinstance(body, dict) and isinstance(body.get("objectId"), str):
            return str(body["objectId"])
        if isinstance(body, dict) and body.get("code") == ErrorCode.INVALID_SESSION_TOKEN:
            return None
        raise ParseUnavailable(f"GET /users/me: HTTP {status}")

    async def _role_page(self, where: JsonObject) -> list[JsonObject]:
        params = {"where": orjson.dumps(where).decode(), "keys": "name", "limit": str(_ROLE_PAGE)}
        status, body = await self._get("/classes/_Role", params)
        results = body.get("results") if isinstance(body, dict) else None
        if status != 200 or not isinstance(results, list):
            raise ParseUnavailable(f"GET /classes/_Role: HTTP {status}")
        return [r for r in results if isinstance(r, dict) and isinstance(r.get("objectId"), str)]

    async def roles_of(self, user_id: str) -> frozenset[str]:
        """Names of the roles granted to ``user_id`` directly or through nested roles."""
        found = await self._role_page({"users": _pointer("_User", user_id)})
        names = {r["objectId"]: r.get("name") for r in found}
        frontier = list(names)
        for _ in range(_ROLE_DEPTH_LIMIT):
            if not frontier:
                break
            parents = await self._role_page(
                {"roles": {"$in": [_pointer("_Role", role_id) for role_id in frontier]}}
            )
            frontier = [r["objectId"] for r in parents if r["objectId"] not in names]
            names.update({r["objectId"]: r.get("name") for r in parents})
        return frozenset(n for n in names.values() if isinstance(n, str))

    async def class_permissions(self, class_name: str) -> JsonObject | None:
        """The class's ``classLevelPermissions``; None when the class does not exist."""
        status, body = await self._get(f"/schemas/{class_name}")
        if status == 200 and isinstance(body, dict):
            clp = body.get("classLevelPermissions")
            return clp if isinstance(clp, dict) else None
        if isinstance(body, dict) and body.get("code") == ErrorCode.INVALID_CLASS_NAME:
            return None
        raise ParseUnavailable(f"GET /schemas: HTTP {status}")
