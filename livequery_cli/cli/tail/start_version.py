"""Where a resyncing tail starts: a class's newest ``updatedAt``, read before subscribing.

A tail whose first load is silent (resync without ``--snapshot``) needs a
version no later than its subscription's start, on the server's clock (see
``SyncEngine``'s ``unshown_after``), so this read must be answered before
the ``subscribe`` frame is sent. That puts it on the start-up path, between
process start and ``subscribed``, where the REST client cannot go: importing
``aiohttp`` costs 120-200 ms, and builds two TLS contexts (system trust
store included) even for ``http://``. The read is one small GET, so it goes
over the standard library's ``http.client`` instead, in a daemon thread that
runs while the WebSocket connects; the REST client (``livequery_cli.client.rest``)
still serves the loads, imported once the subscription is on the wire.

Any failure (no REST server, a refused key, a timeout, an odd answer) yields
None, which the engine takes as "no bound": the read only sharpens what a
silent load may leave out, it never stops a tail.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import TYPE_CHECKING, Any

from livequery_cli.parse.headers import parse_headers

if TYPE_CHECKING:
    import ssl

__all__ = ["ROWS", "StartVersionReader"]

_TIMEOUT_S = 10.0
ROWS = 100
"""The newest objects read: who holds the newest version (``livequery_cli.synced.start_point``).

``livequery_cli.synced`` itself is not imported before the subscription is
on the wire, so the rows are returned as read and made a ``StartPoint`` later.
"""


class StartVersionReader:
    """Reads ``GET classes/<name>?keys=updatedAt&order=-updatedAt&limit=100`` per class."""

    def __init__(
        self,
        server_url: str,
        application_id: str,
        *,
        javascript_key: str | None = None,
        master_key: str | None = None,
        session_token: str | None = None,
        tls: ssl.SSLContext | None = None,
        timeout: float = _TIMEOUT_S,
        proxy: str | None = None,
    ) -> None:
        self._server_url = server_url.rstrip("/")
        self._proxy = proxy
        self._tls = tls
        self._timeout = timeout
        self._headers = parse_headers(
            application_id,
            javascript_key=javascript_key,
            master_key=master_key,
            session_token=session_token,
        )
        self._headers["Accept"] = "application/json"

    def __repr__(self) -> str:  # the headers hold secrets
        return f"StartVersionReader(server_url={self._server_url!r})"

    async def newest_version(self, class_name: str) -> str | None:
        """The class's newest ``updatedAt`` ("" when it is empty), or None when unknown."""
        return _newest(await self.newest_rows(class_name))

    async def newest_rows(self, class_name: str) -> list[Any] | None:
        """The class's ``ROWS`` newest ``objectId``/``updatedAt`` rows, or None when unknown."""
        params = {"keys": "updatedAt", "order": "-updatedAt", "limit": str(ROWS)}
        return await self.results(class_name, params)

    async def results(self, class_name: str, params: dict[str, str]) -> list[Any] | None:
        """``GET classes/<name>?<params>``'s ``results``, or None on any failure or timeout.

        Also the lean read's first pass (``light_versions``): the same small GET.
        """
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[list[Any] | None] = loop.create_future()

        def settle(value: list[Any] | None) -> None:
            if not answer.done():
                answer.set_result(value)

        def work() -> None:
            value = self._read(class_name, params)
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is waiting
                loop.call_soon_threadsafe(settle, value)

        # A daemon thread, not the loop's executor: a server that never answers
        # must not hold the process open at exit for the socket timeout.
        threading.Thread(target=work, name="lq-start-version", daemon=True).start()
        try:
            return await asyncio.wait_for(answer, self._timeout)
        except TimeoutError:
            return None

    def _read(self, class_name: str, params: dict[str, str]) -> list[Any] | None:
        """The blocking GET (in the worker thread); None on any failure."""
        import http.client
        from urllib.parse import quote, urlencode, urlsplit

        import orjson

        try:
            parts = urlsplit(self._server_url)
            host = parts.hostname
            if parts.scheme not in ("http", "https") or not host or not class_name:
                return None
            connection: http.client.HTTPConnection
            query = urlencode(params)
            path = f"{parts.path.rstrip('/')}/classes/{quote(class_name, safe='')}?{query}"
            headers = dict(self._headers)
            proxy = urlsplit(self._proxy) if self._proxy else None
            auth = {}
            if self._proxy:
                from livequery_cli.client.transports.proxy import proxy_authorization

                auth = proxy_authorization(self._proxy)
            if parts.scheme == "https":
                import ssl

                context = self._tls if self._tls is not None else ssl.create_default_context()
                if proxy is None:
                    connection = http.client.HTTPSConnection(
                        host, parts.port, timeout=self._timeout, context=context
                    )
                else:  # a CONNECT tunnel, TLS end to end through it
                    connection = http.client.HTTPSConnection(
                        proxy.hostname or "", proxy.port or 80, timeout=self._timeout,
                        context=context,
                    )  # fmt: skip
                    connection.set_tunnel(host, parts.port, headers=auth)
            elif proxy is None:
                connection = http.client.HTTPConnection(host, parts.port, timeout=self._timeout)
            else:  # a plain-HTTP proxy takes the absolute URL
                connection = http.client.HTTPConnection(
                    proxy.hostname or "", proxy.port or 80, timeout=self._timeout
                )
                netloc = f"{host}:{parts.port}" if parts.port else host
                path = f"http://{netloc}{path}"
                headers.update(auth)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                body = response.read()
                status = response.status
            finally:
                connection.close()
            if status != 200:
                return None
            answer = orjson.loads(body)
            results = answer.get("results") if isinstance(answer, dict) else None
            return results if isinstance(results, list) else None
        except (OSError, ValueError, http.client.HTTPException):
            return None


def _newest(results: list[Any] | None) -> str | None:
    """The ``updatedAt`` of the first row ("" for none), read as ``synced.view.version`` does."""
    if results is None:
        return None
    if not results:
        return ""
    first = results[0]
    value = first.get("updatedAt") if isinstance(first, dict) else None
    if isinstance(value, dict):
        value = value.get("iso")
    return value if isinstance(value, str) else None
