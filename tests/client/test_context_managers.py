"""``async with`` and ``contextlib.aclosing`` for the client, a subscription and ``LiveQuery``."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from support.memory_parse import MemoryParse

import livequery_cli as lq
import livequery_cli.client.standard as standard
from livequery_cli.client import LiveQueryClient
from livequery_cli.protocol import State

GAME = {"className": "Game", "where": {}}
URL = "ws://memory.invalid/parse"


async def test_async_with_opens_and_closes_the_client() -> None:
    parse = MemoryParse()
    async with LiveQueryClient("app", URL, connect=parse.connector) as client:
        assert client.state is State.CONNECTED
    assert client.state is State.CLOSED


async def test_async_with_a_subscription_unsubscribes_on_the_way_out() -> None:
    parse = MemoryParse()
    async with LiveQueryClient("app", URL, connect=parse.connector) as client:
        async with await client.subscribe(GAME) as sub:
            assert not sub.closed
        assert sub.closed
        await parse.wait_unsubscribed(sub.request_id)


async def test_async_with_a_subscription_unsubscribes_when_the_block_raises() -> None:
    parse = MemoryParse()
    async with LiveQueryClient("app", URL, connect=parse.connector) as client:
        with pytest.raises(KeyError):
            async with await client.subscribe(GAME) as sub:
                raise KeyError("boom")
        assert sub.closed


async def test_aclosing_works_for_client_and_subscription() -> None:
    parse = MemoryParse()
    async with contextlib.aclosing(LiveQueryClient("app", URL, connect=parse.connector)) as client:
        async with contextlib.aclosing(await client.subscribe(GAME)) as sub:
            pass
        assert sub.closed
    assert client.state is State.CLOSED


@pytest.fixture
async def memory_standard_api() -> AsyncIterator[MemoryParse]:
    parse = MemoryParse()
    saved = standard._config, dict(standard.LiveQuery.client_options)
    standard.configure("http://memory.invalid/parse", "app")
    standard.LiveQuery.client_options = {"connect": parse.connector}
    yield parse
    await standard.LiveQuery.close()
    standard._config, standard.LiveQuery.client_options = saved


async def test_async_with_live_query_closes_the_shared_connection(
    memory_standard_api: MemoryParse,
) -> None:
    async with lq.LiveQuery:
        sub = await lq.Query("Game").subscribe()
        assert lq.LiveQuery.client is not None
    assert lq.LiveQuery.client is None
    assert sub.closed


async def test_live_query_has_an_informative_repr(memory_standard_api: MemoryParse) -> None:
    assert repr(lq.LiveQuery) == "<LiveQuery app at ws://memory.invalid/parse: no connection>"
    async with lq.LiveQuery:
        await lq.Query("Game").subscribe()
        assert repr(lq.LiveQuery) == "<LiveQuery app at ws://memory.invalid/parse: connected>"
