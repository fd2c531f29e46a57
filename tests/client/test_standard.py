"""The standard API's configuration and session-token default (no server needed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.fake_server import fake_server

import livequery_cli.client.standard as standard
from livequery_cli.client import LiveQueryClient
from livequery_cli.exceptions import ConfigError, QueryError


@pytest.fixture(autouse=True)
def clean_standard() -> Iterator[None]:
    """Leave the module-wide state (config, token provider) as it was found."""
    config, provider = standard._config, standard._token_provider
    yield
    standard._config = config
    standard.set_current_session_token_provider(provider)


@pytest.mark.parametrize(
    ("rest", "live"),
    [
        ("http://127.0.0.1:1337/parse", "ws://127.0.0.1:1337/parse"),
        ("https://example.com/parse", "wss://example.com/parse"),
        ("https://example.com:8443/api/v1/", "wss://example.com:8443/api/v1/"),
    ],
)
def test_the_live_query_url_is_derived_from_the_rest_url(rest: str, live: str) -> None:
    assert standard.live_query_url(rest) == live


@pytest.mark.parametrize("bad", ["ftp://host/parse", "127.0.0.1:1337/parse", "http:///parse"])
def test_a_server_url_that_cannot_give_a_live_url_is_a_config_error(bad: str) -> None:
    with pytest.raises(ConfigError, match="http"):
        standard.configure(bad, "app")


def test_configure_takes_an_explicit_live_query_url() -> None:
    standard.configure("http://a/parse", "app", live_query_server_url="wss://live.example/lq")
    assert standard._config is not None
    assert standard._config.live_query_server_url == "wss://live.example/lq"
    with pytest.raises(ConfigError, match="ws://"):
        standard.configure("http://a/parse", "app", live_query_server_url="http://live/lq")


def test_the_config_repr_hides_keys() -> None:
    standard.configure("http://a/parse", "app", javascript_key="js-secret", master_key="mk-secret")
    assert "secret" not in repr(standard._config)


async def test_subscribing_before_configure_is_a_config_error() -> None:
    standard._config = None
    with pytest.raises(ConfigError, match="configure"):
        await standard.subscribe({"className": "Game", "where": {}})


async def test_unknown_subscribe_options_are_refused() -> None:
    with pytest.raises(TypeError, match="'colour'"):
        await standard.subscribe({"className": "Game", "where": {}}, colour="red")


async def test_the_current_user_token_is_the_default_and_an_explicit_token_wins() -> None:
    standard.set_current_session_token_provider(lambda: "r:current")
    async with fake_server() as server:
        standard.configure("http://unused/parse", "app", live_query_server_url=server.url)
        try:
            await standard.subscribe({"className": "Game", "where": {}})
            await standard.subscribe({"className": "Game", "where": {}}, session_token="r:mine")
            conn = await server.next_connection()
            frames: list[dict[str, Any]] = [
                await conn.recv("subscribe"),
                await conn.recv("subscribe"),
            ]
            assert [f.get("sessionToken") for f in frames] == ["r:current", "r:mine"]
            client = standard.LiveQuery.client
            assert isinstance(client, LiveQueryClient)
            # only the first follows the current user
            moved = await standard.switch_identity("r:next")
            assert [s.request_id for s in moved] == [frames[0]["requestId"]]
            update = await conn.recv("update")
            assert (update["requestId"], update["sessionToken"]) == (
                frames[0]["requestId"],
                "r:next",
            )
        finally:
            await standard.LiveQuery.close()


async def test_a_bad_query_is_refused_before_anything_is_sent() -> None:
    standard.configure("http://127.0.0.1:9/parse", "app")
    with pytest.raises(QueryError, match="className"):
        await standard.subscribe({"where": {}})
