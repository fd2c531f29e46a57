"""An async client for the Parse REST API: objects, queries, users, schemas.

LiveQuery only reports *changes*; everything that needs the current state of a
result set (snapshots, resync after a reconnect, ``users/me``) goes through
the REST API the server already has. This module is that one door.

Design points:

* Errors keep Parse's shape. ``{"code", "error"}`` bodies become ``RestError``
  (HTTP ``status`` + Parse ``code``); an invalid session token (209) or a
  failed login (101) becomes ``RestAuthError``, an ``AuthError``, so callers
  and the CLI treat a dead token the same way whether REST or LiveQuery
  reported it. Unreachable servers become ``TransportError``.
* Secrets never leak: the master key and session token go only into request
  headers, the ``repr`` masks them, and server messages are scrubbed of them
  before they reach an exception.
* Credentials never leave the server's origin: redirects are followed only
  within the same scheme, host and port (at most ``MAX_REDIRECTS``); one to
  another origin, or from ``https`` down to ``http``, is refused with a
  ``RestError`` instead of re-sending the master key and session token.
* ``find_all`` pages by ``objectId`` (``order=objectId`` plus
  ``objectId > last``) instead of ``skip``: Parse caps ``skip`` and makes deep
  skips cost O(n) each, and a keyset cursor stays correct while other writers
  insert or delete rows between pages.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
import yarl

from livequery_cli.client.paged_find import find_pages
from livequery_cli.client.rest_paths import class_path, object_path, query_params
from livequery_cli.client.url_origin import origin_of, same_origin
from livequery_cli.exceptions import ConfigError, RestAuthError, RestError, TransportError
from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.headers import parse_headers
from livequery_cli.parse.json_types import JsonObject

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_REDIRECTS", "RestClient", "same_origin"]

MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

DEFAULT_PAGE_SIZE = 1000
"""Objects per request in ``find_all``: big enough to be cheap, small enough for any server."""

# Parse's 101 is OBJECT_NOT_FOUND; only on ``login`` does it mean "wrong username or password".


class RestClient:
    """One Parse application's REST API, reached over one ``aiohttp`` session.

    Pass ``session`` to share a ``ClientSession`` (the caller then owns and
    closes it); otherwise the client opens its own on first use and closes it
    in ``close()`` / ``async with``.
    """

    def __init__(
        self,
        server_url: str,
        application_id: str,
        *,
        javascript_key: str | None = None,
        rest_api_key: str | None = None,
        master_key: str | None = None,
        session_token: str | None = None,
        session: aiohttp.ClientSession | None = None,
        timeout: float = 30.0,
        proxy: str | None = None,
    ) -> None:
        parts = urlsplit(server_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            got = f"{parts.scheme}://" if parts.scheme else "no scheme"
            raise ConfigError(f"the server URL must start with http:// or https:// (got {got})")
        self.server_url = server_url.rstrip("/")
        self.application_id = application_id
        self.javascript_key = javascript_key
        self.rest_api_key = rest_api_key
        self.master_key = master_key
        self.session_token = session_token
        self._mount_path = parts.path.rstrip("/")
        self._session = session
        self._owns_session = session is None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        # An http:// proxy for every request (credentials in its URL become
        # Proxy-Authorization); None connects directly. The CLI resolves it from
        # --proxy and HTTPS_PROXY/HTTP_PROXY/ALL_PROXY/NO_PROXY (``proxy_for``).
        self._proxy = proxy

    def __repr__(self) -> str:
        def mark(value: str | None) -> str:
            return "<set>" if value else "None"

        return (
            f"RestClient(server_url={self.server_url!r}, application_id={self.application_id!r},"
            f" master_key={mark(self.master_key)}, session_token={mark(self.session_token)})"
        )

    # -- lifecycle ---------------------------------------------------------------

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the HTTP session if this client opened it; safe to call twice."""
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            await session.close()

    # -- objects -----------------------------------------------------------------

    async def create(self, class_name: str, fields: Mapping[str, Any]) -> JsonObject:
        """Create an object; returns ``{"objectId", "createdAt"}``."""
        return await self._object("POST", class_path(class_name), dict(fields))

    async def get(
        self, class_name: str, object_id: str, *, keys: Sequence[str] | None = None
    ) -> JsonObject:
        """One object by id (``keys``: only these fields)."""
        params = {"keys": ",".join(keys)} if keys else None
        return await self._object("GET", object_path(class_name, object_id), params=params)

    async def update(
        self, class_name: str, object_id: str, fields: Mapping[str, Any]
    ) -> JsonObject:
        """Update fields; Parse field ops (``{"__op": "Increment", ...}``) pass through."""
        return await self._object("PUT", object_path(class_name, object_id), dict(fields))

    async def delete(self, class_name: str, object_id: str) -> None:
        """Delete one object."""
        await self._request("DELETE", object_path(class_name, object_id))

    # -- queries -----------------------------------------------------------------

    async def find(
        self,
        class_name: str,
        where: Mapping[str, Any] | None = None,
        *,
        keys: Sequence[str] | None = None,
        order: str | Sequence[str] | None = None,
        limit: int | None = None,
        skip: int | None = None,
        include: Sequence[str] | None = None,
    ) -> list[JsonObject]:
        """One ``GET classes/<name>`` request: at most ``limit`` objects (Parse's default: 100).

        ``include`` names pointer fields for the server to expand (Parse's ``include``).
        """
        params = query_params(where, keys=keys, order=order, limit=limit, skip=skip)
        if include:
            params["include"] = ",".join(include)
        body = await self._object("GET", class_path(class_name), params=params)
        results = body.get("results")
        if not isinstance(results, list):
            raise RestError("the server's find answer has no results list", status=200)
        return results

    async def find_query(self, class_name: str, params: Mapping[str, Any]) -> list[JsonObject]:
        """One ``find`` with the parameters ``Query.find_params()`` makes (``include`` & co.)."""
        encoded = {
            name: orjson.dumps(value).decode() if name == "where" else str(value)
            for name, value in params.items()
            if value is not None
        }
        body = await self._object("GET", class_path(class_name), params=encoded)
        results = body.get("results")
        if not isinstance(results, list):
            raise RestError("the server's find answer has no results list", status=200)
        return results

    async def find_all(
        self,
        class_name: str,
        where: Mapping[str, Any] | None = None,
        *,
        keys: Sequence[str] | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[JsonObject]:
        """Every object matching ``where``, in ``objectId`` order, fetched page by page.

        Each page asks for ``objectId > <last id of the previous page>``, so the
        cost per page is constant and no object is skipped or repeated when
        other clients write concurrently (objects created behind the cursor
        are, by definition, not part of this scan).
        """
        if page_size < 1:
            raise ConfigError("page_size must be at least 1")
        async for page in find_pages(self, class_name, where, keys=keys, page_size=page_size):
            for obj in page:
                yield obj

    async def count(self, class_name: str, where: Mapping[str, Any] | None = None) -> int:
        """How many objects of ``class_name`` match ``where``."""
        params = query_params(where, limit=0)
        params["count"] = "1"
        body = await self._object("GET", class_path(class_name), params=params)
        count = body.get("count")
        if not isinstance(count, int):
            raise RestError("the server's count answer has no count", status=200)
        return count

    async def batch(self, requests: Iterable[Mapping[str, Any]]) -> list[JsonObject]:
        """Run several writes in one request (``POST batch``).

        Each request is ``{"method", "path", "body"?}``; ``path`` may be given
        relative to the server URL (``"classes/Game"``): Parse routes batch
        paths from the root, so the mount path is prefixed here. Returns
        Parse's list of ``{"success": ...}`` / ``{"error": {"code", "error"}}``.
        """
        prepared = [self._batch_entry(req) for req in requests]
        answer = await self._request("POST", "batch", {"requests": prepared})
        if not isinstance(answer, list):
            raise RestError("the server's batch answer is not a list", status=200)
        return answer

    # -- users -------------------------------------------------------------------

    async def sign_up(self, username: str, password: str, **fields: Any) -> JsonObject:
        """Create a user; returns the user as stored, with its new ``sessionToken``."""
        body = {**fields, "username": username, "password": password}
        created = await self._object("POST", "users", body, revocable=True)
        user = {k: v for k, v in fields.items() if k != "password"}
        user["username"] = username
        user.update(created)
        return user

    async def log_in(self, username: str, password: str) -> JsonObject:
        """Log in: the user with its ``sessionToken``; bad credentials: ``RestAuthError`` 101."""
        body = {"username": username, "password": password}
        return await self._object("POST", "login", body, revocable=True)

    async def log_out(self) -> None:
        """End this client's session on the server (``POST logout``)."""
        await self._request("POST", "logout", {})

    async def me(self) -> JsonObject:
        """The user owning this client's session token (``GET users/me``)."""
        return await self._object("GET", "users/me")

    # -- server ------------------------------------------------------------------

    async def schemas(self) -> list[JsonObject]:
        """Every class with its fields (needs the master key)."""
        body = await self._object("GET", "schemas")
        results = body.get("results")
        if not isinstance(results, list):
            raise RestError("the server's schemas answer has no results list", status=200)
        return results

    async def health(self) -> JsonObject:
        """The server's ``health`` answer: ``{"status": "ok"}`` when ready.

        Parse Server answers 503 with ``{"status": "starting"}`` while it boots;
        that is an answer, not an error, so it is returned as is.
        """
        status, raw = await self._send("GET", "health")
        if status == 503:
            with contextlib.suppress(orjson.JSONDecodeError):
                answer = orjson.loads(raw)
                if isinstance(answer, dict) and "status" in answer:
                    return answer
        answer = self._decode("GET", "health", status, raw)
        if not isinstance(answer, dict):
            raise RestError("the server's health answer is not an object", status=status)
        return answer

    # -- plumbing ----------------------------------------------------------------

    def _batch_entry(self, request: Mapping[str, Any]) -> JsonObject:
        path = str(request["path"])
        if not path.startswith("/"):
            path = f"{self._mount_path}/{path}"
        entry: JsonObject = {"method": str(request["method"]).upper(), "path": path}
        if "body" in request:
            entry["body"] = request["body"]
        return entry

    def _headers(self, *, revocable: bool) -> dict[str, str]:
        headers = parse_headers(
            self.application_id,
            javascript_key=self.javascript_key,
            rest_api_key=self.rest_api_key,
            master_key=self.master_key,
            session_token=self.session_token,
        )
        if revocable:
            headers["X-Parse-Revocable-Session"] = "1"
        return headers

    async def _object(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        revocable: bool = False,
    ) -> JsonObject:
        answer = await self._request(method, path, body, params=params, revocable=revocable)
        if not isinstance(answer, dict):
            raise RestError(f"the server's answer to {method} {path} is not an object", status=200)
        return answer

    async def _request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        revocable: bool = False,
    ) -> Any:
        status, raw = await self._send(method, path, body, params=params, revocable=revocable)
        return self._decode(method, path, status, raw)

    async def _send(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, str] | None = None,
        revocable: bool = False,
    ) -> tuple[int, bytes]:
        headers = self._headers(revocable=revocable)
        data: bytes | None = None
        if body is not None:
            data = orjson.dumps(body)
            headers["Content-Type"] = "application/json"
        url: str = f"{self.server_url}/{path}"
        try:
            session = self._ensure_session()
            for _ in range(MAX_REDIRECTS + 1):
                async with session.request(
                    method,
                    url,
                    data=data,
                    params=params,
                    headers=headers,
                    timeout=self._timeout,
                    allow_redirects=False,
                    proxy=self._proxy,
                ) as response:
                    status = response.status
                    raw = await response.read()
                    location = response.headers.get("Location")
                if status not in _REDIRECTS or not location:
                    return status, raw
                target = str(response.url.join(yarl.URL(location)))
                if not same_origin(url, target):
                    raise RestError(
                        f"{method} {path}: the server redirected to another origin "
                        f"({origin_of(target)}); credentials are never sent there. "
                        "Set the server URL to where the API really is",
                        status=status,
                    )
                url, params = target, None  # the Location carries its own query
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            reason = str(exc) or type(exc).__name__
            raise TransportError(
                f"REST request {method} {path} failed: {self._scrub(reason)}"
            ) from None
        raise RestError(f"{method} {path}: more than {MAX_REDIRECTS} redirects", status=status)

    def _ensure_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            if not self._owns_session:
                raise RuntimeError("the shared aiohttp session was closed")
            self._session = aiohttp.ClientSession()
        return self._session

    def _decode(self, method: str, path: str, status: int, raw: bytes) -> Any:
        try:
            answer: Any = orjson.loads(raw) if raw else {}
        except orjson.JSONDecodeError:
            if status >= 400:
                raise RestError(
                    f"{method} {path} failed with a non-JSON answer", status=status
                ) from None
            raise RestError(f"{method} {path} answered with invalid JSON", status=status) from None
        if status < 400:
            return answer
        code = answer.get("code") if isinstance(answer, dict) else None
        message = None
        if isinstance(answer, dict):  # Parse says "error"; its internal errors say "message"
            message = answer.get("error") or answer.get("message")
        code = code if isinstance(code, int) and not isinstance(code, bool) else None
        text = self._scrub(str(message)) if message else f"{method} {path} failed"
        if code == ErrorCode.INVALID_SESSION_TOKEN or (
            code == ErrorCode.OBJECT_NOT_FOUND and path == "login"
        ):
            raise RestAuthError(text, status=status, code=code)
        raise RestError(text, status=status, code=code)

    def _scrub(self, text: str) -> str:
        """Remove this client's secrets from text that will reach users."""
        for secret in (self.master_key, self.session_token):
            if secret:
                text = text.replace(secret, "***")
        return text
