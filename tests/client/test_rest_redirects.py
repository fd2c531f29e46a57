"""The REST client never carries credentials to another origin.

Two local HTTP servers stand in for "the API" and "somewhere else": a
redirect to the other one (another port is another origin) or from ``https``
down to ``http`` must be refused without the other server ever seeing the
master key or the session token; a redirect within the same origin is
followed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from livequery_cli.client.rest import MAX_REDIRECTS, RestClient, same_origin
from livequery_cli.exceptions import RestError

MASTER_KEY = "master-key-never-elsewhere"
TOKEN = "r:session-token-never-elsewhere"


@asynccontextmanager
async def http_server(handler: Callable[[web.Request], object]) -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)  # type: ignore[arg-type]
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_redirect_to_another_origin_is_refused_and_gets_no_credentials() -> None:
    seen_elsewhere: list[dict[str, str]] = []

    async def elsewhere(request: web.Request) -> web.Response:
        seen_elsewhere.append(dict(request.headers))
        return web.json_response({"results": []})

    async with http_server(elsewhere) as other:

        async def api(request: web.Request) -> web.Response:
            raise web.HTTPTemporaryRedirect(f"{other}/parse/classes/Game")

        async with http_server(api) as base:
            rest = RestClient(f"{base}/parse", "app", master_key=MASTER_KEY, session_token=TOKEN)
            async with rest:
                with pytest.raises(RestError, match="redirected to another origin") as caught:
                    await rest.find("Game", {})
    assert seen_elsewhere == []
    assert MASTER_KEY not in str(caught.value)
    assert TOKEN not in str(caught.value)


async def test_a_redirect_within_the_origin_is_followed() -> None:
    async def api(request: web.Request) -> web.Response:
        if request.path == "/old/classes/Game":
            raise web.HTTPPermanentRedirect("/parse/classes/Game?" + request.query_string)
        assert request.headers["X-Parse-Master-Key"] == MASTER_KEY
        return web.json_response({"results": [{"objectId": "a"}]})

    async with (
        http_server(api) as base,
        RestClient(f"{base}/old", "app", master_key=MASTER_KEY) as rest,
    ):
        assert await rest.find("Game", {}) == [{"objectId": "a"}]


async def test_a_redirect_loop_ends_with_an_error() -> None:
    hits = 0

    async def api(request: web.Request) -> web.Response:
        nonlocal hits
        hits += 1
        raise web.HTTPFound(request.path)

    async with http_server(api) as base, RestClient(f"{base}/parse", "app") as rest:
        with pytest.raises(RestError, match="redirects"):
            await rest.find("Game", {})
    assert hits == MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("https://api.example/parse", "https://api.example:443/other", True),
        ("https://api.example/parse", "http://api.example/parse", False),  # a downgrade
        ("http://api.example/parse", "https://api.example/parse", False),
        ("https://api.example/parse", "https://evil.example/parse", False),
        ("http://127.0.0.1:1337/parse", "http://127.0.0.1:1338/parse", False),
        ("http://API.example/parse", "http://api.example/x", True),
    ],
)
def test_same_origin_means_scheme_host_and_port(a: str, b: str, same: bool) -> None:
    assert same_origin(a, b) is same
