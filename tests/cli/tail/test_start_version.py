"""The start-version read ``lq tail`` makes before subscribing, against each server.

It bounds what a silent first load may leave out; a read that quietly
answered None every time would turn that guard off without any test of the
tail noticing, so its answers are checked against the servers' own REST
answers here.
"""

from __future__ import annotations

import socket

import pytest
from support.parse_server import ParseServer as ServerHandle  # LqServer has the same interface

from livequery_cli.cli.tail.start_version import StartVersionReader


def reader_for(server: ServerHandle, **overrides: str) -> StartVersionReader:
    options = {"app_id": server.app_id, "js_key": server.js_key, **overrides}
    return StartVersionReader(
        server.rest_url, options["app_id"], javascript_key=options["js_key"], timeout=10.0
    )


async def test_reads_the_newest_version_of_the_class(server: ServerHandle, unique_tag: str) -> None:
    created = server.rest.create("Game", {"tag": unique_tag})
    updated = server.rest.update("Game", created["objectId"], {"score": 1})

    newest = await reader_for(server).newest_version("Game")

    expected = server.rest.find("Game", order="-updatedAt", limit=1, keys=["updatedAt"])
    assert newest == expected[0]["updatedAt"]
    assert newest is not None
    assert newest >= updated["updatedAt"]


async def test_a_refused_key_is_no_bound(server: ServerHandle) -> None:
    assert await reader_for(server, app_id="not-this-app").newest_version("Game") is None


async def test_nothing_listening_is_no_bound() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    reader = StartVersionReader(f"http://127.0.0.1:{port}/parse", "app", timeout=5.0)
    assert await reader.newest_version("Game") is None


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/parse", "http:///parse"])
async def test_an_unusable_url_is_no_bound(url: str) -> None:
    assert await StartVersionReader(url, "app").newest_version("Game") is None


def test_the_repr_shows_no_secret() -> None:
    reader = StartVersionReader(
        "http://127.0.0.1:1/parse", "app", master_key="mk-secret", session_token="r:secret"
    )
    assert "secret" not in repr(reader)
