"""One error tree: all the library raises is a ``LiveQueryError``, drawn in exceptions.py."""

from __future__ import annotations

import logging
import re

import pytest

import livequery_cli as lq
from livequery_cli import exceptions


def drawn_tree() -> dict[str, str]:
    """``{class: parent}`` from the docstring's drawing (the indent gives the parent)."""
    doc = exceptions.__doc__ or ""
    parents: dict[str, str] = {}
    stack: list[tuple[int, str]] = [(-1, "LiveQueryError")]
    for line in doc.splitlines():
        match = re.match(r"^(\s*(?:│\s*)*)[├└]── (\w+)", line)
        if match is None:
            continue
        depth = len(match.group(1))
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[match.group(2)] = stack[-1][1]
        stack.append((depth, match.group(2)))
    return parents


def test_the_docstring_draws_the_real_tree_and_every_exported_error() -> None:
    tree = drawn_tree()
    assert set(tree) | {"LiveQueryError"} == set(exceptions.__all__)
    for name, parent in tree.items():
        cls = getattr(exceptions, name)
        first_base = next(b for b in cls.__mro__[1:] if issubclass(b, lq.LiveQueryError))
        assert first_base.__name__ == parent, name


def test_a_http_url_for_the_client_is_a_config_error_and_a_value_error() -> None:
    with pytest.raises(lq.ConfigError, match="ws://") as raised:
        lq.LiveQueryClient("app", "http://127.0.0.1:1337/parse")
    assert isinstance(raised.value, ValueError)


def test_an_empty_app_id_is_a_config_error() -> None:
    with pytest.raises(lq.ConfigError):
        lq.LiveQueryClient("", "ws://127.0.0.1:1337/parse")


def test_or_across_classes_is_a_query_error() -> None:
    with pytest.raises(lq.QueryError, match="same class") as raised:
        lq.Query.or_(lq.Query("Game"), lq.Query("Player"))
    assert isinstance(raised.value, ValueError)


def test_an_unencodable_value_is_a_query_type_error() -> None:
    with pytest.raises(lq.QueryTypeError, match="cannot encode") as raised:
        lq.Query("Game").equal_to("score", object())
    assert isinstance(raised.value, TypeError)
    assert isinstance(raised.value, lq.LiveQueryError)
    with pytest.raises(lq.QueryError, match="NaN"):
        lq.Query("Game").greater_than("score", float("nan"))


def test_bad_options_and_event_names_are_config_errors() -> None:
    with pytest.raises(lq.ConfigError):
        lq.ReconnectPolicy(base=-1)
    client = lq.LiveQueryClient("app", "ws://127.0.0.1:1/parse")
    with pytest.raises(lq.ConfigError, match="unknown event"):
        client.add_listener("opne", print)
    with pytest.raises(lq.ConfigError, match="http"):
        lq.RestClient("ws://127.0.0.1:1/parse", "app")


def test_the_repr_of_server_errors_shows_the_code() -> None:
    error = exceptions.server_error("Key in request is not valid", code=4, reconnect=False)
    assert repr(error) == "AuthError('Key in request is not valid', code=4)"
    with_request = lq.ServerError("bad query", code=141, reconnect=False, request_id=3)
    assert repr(with_request) == "ServerError('bad query', code=141, request_id=3)"
    assert "status=404" in repr(lq.RestError("nope", status=404, code=101))


async def test_a_wrong_app_id_raises_auth_error_and_logs_no_unhandled_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from support.lq_harness import make_config

    from livequery_cli.client import standard
    from livequery_cli.server.app import EmbeddedServer

    server = EmbeddedServer(make_config())
    await server.start()
    saved = standard._config
    try:
        with caplog.at_level(logging.WARNING):
            client = lq.LiveQueryClient("wrong", server.live_query_url)
            with pytest.raises(lq.AuthError):
                await client.open()
            await client.close()
            client = lq.LiveQueryClient("wrong", server.live_query_url)
            with pytest.raises(lq.AuthError):
                await client.subscribe({"className": "Game", "where": {}})
            await client.close()
            lq.configure(server.rest_url, "wrong")
            with pytest.raises(lq.AuthError):
                await lq.Query("Game").subscribe()
            await lq.LiveQuery.close()
    finally:
        standard._config = saved
        await server.stop()
    assert "unhandled error" not in caplog.text
