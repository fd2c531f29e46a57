"""Web pages cannot drive a loopback ``lq serve``: ``Host`` and ``Origin`` checks.

Requests are made the way a browser would make them for a hostile page: a
cross-site "simple" POST in the JS SDK's ``text/plain`` style (no preflight),
a preflight, a WebSocket upgrade with the page's ``Origin``, and requests
after DNS rebinding (``Host: evil.example``). The CLI, the Python library and
the JS SDK in Node send no ``Origin`` (checked for the JS SDK 8.6.2: none on
REST or WebSocket), and local web apps send loopback origins: both still work.
``--allow-origin`` widens the check, ``'*'`` turns it off. A server bound to a
non-loopback address keeps Parse Server's open CORS (checked on the guard
itself, so no test binds beyond loopback).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from support.lq_server import LqServer
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from livequery_cli.server.origin_guard import OriginGuard

WAIT_S = 10.0
EVIL = "http://evil.example"


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def _keys(server: LqServer) -> dict[str, str]:
    return {"X-Parse-Application-Id": server.app_id, "X-Parse-REST-API-Key": server.js_key}


async def _get(
    http: aiohttp.ClientSession, server: LqServer, path: str, headers: dict[str, str]
) -> tuple[int, Any, Any]:
    async with http.get(
        f"{server.rest_url}/{path}", headers={**_keys(server), **headers}
    ) as response:
        raw = await response.read()
        return response.status, orjson.loads(raw) if raw else None, response.headers


async def _sdk_style_create(
    http: aiohttp.ClientSession, server: LqServer, tag: str, headers: dict[str, str]
) -> int:
    """A cross-site "simple" request: text/plain POST with the keys in the body, as the JS SDK."""
    body = {"_method": "POST", "_ApplicationId": server.app_id,
            "_JavaScriptKey": server.js_key, "tag": tag}  # fmt: skip
    async with http.post(
        f"{server.rest_url}/classes/Game",
        data=orjson.dumps(body),
        headers={"Content-Type": "text/plain", **headers},
    ) as response:
        await response.read()
        return response.status


def _created(server: LqServer, tag: str) -> int:
    return len(server.rest.find("Game", {"tag": tag}, master=True))


async def _ws_status(
    server: LqServer, *, origin: str | None = None, host: str | None = None
) -> int:
    """101 if the upgrade is accepted, else the HTTP status of the refusal.

    ``host`` replaces the URL's host name (as after DNS rebinding); the socket
    still goes to the server's loopback address.
    """
    url, sock = server.ws_url, None
    if host is not None:
        url = server.ws_url.replace(f"//{server.host}:", f"//{host}:", 1)
        sock = socket.create_connection((server.host, server.port), timeout=WAIT_S)
    try:
        ws = await connect(url, origin=origin, sock=sock, open_timeout=WAIT_S)  # type: ignore[arg-type]
    except InvalidStatus as refused:
        if sock is not None:
            sock.close()
        return refused.response.status_code
    await ws.close()
    return 101


async def test_a_rebound_host_is_refused(
    lq_server: LqServer, http: aiohttp.ClientSession, unique_tag: str
) -> None:
    port = lq_server.port
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.evil.example:{port}", "a b"):
        status, answer, headers = await _get(http, lq_server, "health", {"Host": host})
        assert status == 403, (host, status, answer)
        assert "Host" in answer["error"]
        assert "Access-Control-Allow-Origin" not in headers
    status = await _sdk_style_create(
        http, lq_server, unique_tag, {"Host": f"evil.example:{port}", "Origin": f"{EVIL}:{port}"}
    )
    assert status == 403
    assert await _ws_status(lq_server, host="evil.example") == 403
    assert _created(lq_server, unique_tag) == 0


async def test_loopback_hosts_are_served(lq_server: LqServer, http: aiohttp.ClientSession) -> None:
    port = lq_server.port
    for host in (
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        f"[::1]:{port}",
        f"app.localhost:{port}",
    ):
        status, answer, _ = await _get(http, lq_server, "health", {"Host": host})
        assert status == 200, (host, answer)


async def test_a_cross_site_simple_request_is_refused_before_it_runs(
    lq_server: LqServer, http: aiohttp.ClientSession, unique_tag: str
) -> None:
    for origin in (EVIL, "null", "http://127.0.0.1.evil.example", "file://"):
        status = await _sdk_style_create(http, lq_server, unique_tag, {"Origin": origin})
        assert status == 403, origin
    assert _created(lq_server, unique_tag) == 0
    async with http.options(
        f"{lq_server.rest_url}/classes/Game",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "PUT"},
    ) as preflight:
        assert preflight.status == 403
        assert "Access-Control-Allow-Origin" not in preflight.headers


async def test_a_websocket_from_a_foreign_origin_is_refused(lq_server: LqServer) -> None:
    assert await _ws_status(lq_server, origin=EVIL) == 403
    assert await _ws_status(lq_server, origin="null") == 403


async def test_loopback_origins_and_clients_without_origin_are_served(
    lq_server: LqServer, http: aiohttp.ClientSession, unique_tag: str
) -> None:
    assert await _ws_status(lq_server) == 101
    for origin in ("http://localhost:5173", "http://127.0.0.1:3000", "https://[::1]"):
        assert await _ws_status(lq_server, origin=origin) == 101, origin
        status, _, headers = await _get(http, lq_server, "health", {"Origin": origin})
        assert status == 200
        assert headers["Access-Control-Allow-Origin"] == "*"
    assert await _sdk_style_create(http, lq_server, unique_tag, {}) == 201
    assert (
        await _sdk_style_create(http, lq_server, unique_tag, {"Origin": "http://localhost:8080"})
        == 201
    )
    assert _created(lq_server, unique_tag) == 2


async def test_allow_origin_widens(
    lq_server_factory: Any, http: aiohttp.ClientSession, unique_tag: str
) -> None:
    app = "http://myapp.test:8080"
    server: LqServer = lq_server_factory(extra_args=("--allow-origin", app))
    assert await _ws_status(server, origin=app) == 101
    assert await _sdk_style_create(http, server, unique_tag, {"Origin": app}) == 201
    assert await _ws_status(server, origin="http://myapp.test:8081") == 403
    assert await _ws_status(server, origin="http://localhost:5173") == 101  # loopback: still fine
    assert await _ws_status(server, origin=EVIL) == 403

    anything: LqServer = lq_server_factory(extra_args=("--allow-origin", "*"))
    assert await _ws_status(anything, origin=EVIL) == 101
    assert await _ws_status(anything, host="evil.example") == 101
    status, _, _ = await _get(http, anything, "health", {"Host": "evil.example", "Origin": EVIL})
    assert status == 200


def test_a_malformed_allow_origin_is_a_usage_error(tmp_path: Any) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "livequery_cli", "serve", "--port", "0", "--db", ":memory:",
         "--allow-origin", "http://myapp.test/some/path"],
        capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--allow-origin" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_public_bind_keeps_parse_cors_unless_origins_are_listed() -> None:
    public = OriginGuard("0.0.0.0")
    assert public.refusal("evil.example:1337", EVIL) is None
    listed = OriginGuard("0.0.0.0", ["https://myapp.test"])
    assert listed.refusal("api.myapp.test", "https://myapp.test:443") is None
    assert listed.refusal("api.myapp.test", None) is None
    assert listed.refusal("api.myapp.test", EVIL) is not None
    local = OriginGuard("127.0.0.1")
    assert local.refusal(None, None) is None  # no Host at all: not a browser
    assert local.refusal("LOCALHOST:1337", "HTTP://LOCALHOST:3000") is None
