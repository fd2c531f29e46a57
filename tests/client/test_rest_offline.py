"""RestClient behaviour that needs no Parse Server: transport failures, odd answers, secrets."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from livequery_cli.client.rest import RestClient
from livequery_cli.exceptions import RestError, TransportError

MASTER = "master-key-do-not-print"
TOKEN = "r:session-token-do-not-print"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture
async def proxy_like_server() -> AsyncIterator[str]:
    """A plain HTTP server standing in for a proxy in front of Parse (HTML errors, echoes)."""

    async def bad_gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad Gateway</html>")

    async def echo_token_error(request: web.Request) -> web.Response:
        token = request.headers.get("X-Parse-Session-Token", "")
        return web.json_response({"code": 141, "error": f"trigger saw {token}"}, status=400)

    async def batch_echo(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response([{"success": r} for r in body["requests"]])

    app = web.Application()
    app.router.add_post("/parse/batch", batch_echo)
    app.router.add_get("/parse/classes/Broken", bad_gateway)
    app.router.add_get("/parse/classes/Echo", echo_token_error)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/parse"
    finally:
        await runner.cleanup()


def test_repr_masks_secrets() -> None:
    client = RestClient("http://x/parse", "app", master_key=MASTER, session_token=TOKEN)
    text = repr(client)
    assert MASTER not in text
    assert TOKEN not in text
    assert "master_key=<set>" in text


def test_server_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http"):
        RestClient("ws://127.0.0.1/parse", "app")


async def test_unreachable_server_is_a_transport_error() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/parse"
    async with RestClient(url, "app", master_key=MASTER, session_token=TOKEN) as client:
        with pytest.raises(TransportError) as excinfo:
            await client.find("Game")
    text = str(excinfo.value)
    assert "GET classes/Game" in text
    assert MASTER not in text
    assert TOKEN not in text


async def test_non_json_error_answer_is_a_rest_error(proxy_like_server: str) -> None:
    async with RestClient(proxy_like_server, "app") as client:
        with pytest.raises(RestError) as excinfo:
            await client.find("Broken")
    assert excinfo.value.status == 502
    assert excinfo.value.code is None


async def test_secrets_echoed_by_the_server_are_scrubbed(proxy_like_server: str) -> None:
    async with RestClient(proxy_like_server, "app", session_token=TOKEN) as client:
        with pytest.raises(RestError) as excinfo:
            await client.find("Echo")
    assert excinfo.value.code == 141
    assert TOKEN not in str(excinfo.value)
    assert "***" in str(excinfo.value)


async def test_bad_names_are_rejected_before_any_request() -> None:
    async with RestClient("http://127.0.0.1:1/parse", "app") as client:
        with pytest.raises(ValueError, match="objectId"):
            await client.get("Game", "../users")
        with pytest.raises(ValueError, match="page_size"):
            [o async for o in client.find_all("Game", page_size=0)]


async def test_batch_paths_are_routed_from_the_server_root(proxy_like_server: str) -> None:
    """Parse routes batch paths from the root, so the mount path is prefixed to relative ones."""
    async with RestClient(proxy_like_server, "app") as client:
        answers = await client.batch(
            [
                {"method": "post", "path": "classes/Game", "body": {"score": 1}},
                {"method": "DELETE", "path": "/parse/classes/Game/abc"},
            ]
        )
    assert answers == [
        {"success": {"method": "POST", "path": "/parse/classes/Game", "body": {"score": 1}}},
        {"success": {"method": "DELETE", "path": "/parse/classes/Game/abc"}},
    ]
