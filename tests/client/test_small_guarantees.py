"""Small promises of the public API: ``is_open`` after subscribe, ``State`` as a ``str``."""

from __future__ import annotations

import asyncio

from support.memory_parse import MemoryParse

import livequery_cli as lq
from livequery_cli.client import LiveQueryClient

GAME = {"className": "Game", "where": {}}


async def test_a_subscription_is_open_when_subscribe_returns_and_still_announces_open() -> None:
    parse = MemoryParse()
    async with LiveQueryClient("app", "ws://memory.invalid/parse", connect=parse.connector) as c:
        sub = await c.subscribe(GAME)
        assert sub.is_open
        opened = asyncio.Event()
        sub.on("open", opened.set)  # registered after subscribe(): still gets the first open
        await asyncio.wait_for(opened.wait(), 5)
        assert sub.is_open


async def test_state_is_a_str_enum_exported_by_the_package() -> None:
    parse = MemoryParse()
    client = LiveQueryClient("app", "ws://memory.invalid/parse", connect=parse.connector)
    assert client.state == "initialized"
    await client.open()
    assert client.state == "connected"
    assert client.state is lq.State.CONNECTED
    assert f"{client.state}" == "connected"
    assert isinstance(client.state, str)
    await client.close()
    assert client.state == "closed"
