"""Leaving an ``async for`` over a ``SyncedSubscription`` unsubscribes, as for a plain one.

``break``, cancelling the task that iterates, and dropping an unfinished
iterator all end the subscription on the server and release the REST client
the synced subscription owns. ``await anext(sub)`` takes one event and keeps
the subscription. All over the in-memory transport: no network.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from support.memory_parse import MemoryParse

from livequery_cli.client import LiveQueryClient
from livequery_cli.synced import SyncedSubscription

TIMEOUT = 5.0
GAME = {"className": "Game", "where": {}}


class OwnedRest:
    """Stands for the REST client a synced subscription made for itself."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()

    async def close(self) -> None:
        self.closed.set()


async def empty_result_set() -> dict[str, dict[str, Any]]:
    return {}


async def synced(parse: MemoryParse) -> tuple[LiveQueryClient, SyncedSubscription, OwnedRest]:
    client = LiveQueryClient("app", "ws://memory.invalid/parse", connect=parse.connector)
    owned = OwnedRest()
    sub = SyncedSubscription(await client.subscribe(GAME), empty_result_set, owned=owned)
    await asyncio.wait_for(sub.wait_synced(), TIMEOUT)
    return client, sub, owned


def game(n: int) -> dict[str, Any]:
    return {"className": "Game", "objectId": f"g{n}", "n": n}


async def test_break_unsubscribes_and_releases_the_rest_client() -> None:
    parse = MemoryParse()
    client, sub, owned = await synced(parse)
    await parse.create(sub.subscription.request_id, game(1))
    async for event in sub:
        assert event.object["n"] == 1
        break
    await asyncio.wait_for(parse.wait_unsubscribed(sub.subscription.request_id), TIMEOUT)
    await asyncio.wait_for(owned.closed.wait(), TIMEOUT)
    assert sub.subscription.closed
    await client.close()


async def test_cancelling_the_reader_unsubscribes() -> None:
    parse = MemoryParse()
    client, sub, owned = await synced(parse)

    got_one = asyncio.Event()

    async def read_forever() -> None:
        async for _event in sub:
            got_one.set()

    reader = asyncio.ensure_future(read_forever())
    await parse.create(sub.subscription.request_id, game(1))
    await asyncio.wait_for(got_one.wait(), TIMEOUT)  # the reader is inside its loop
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    await asyncio.wait_for(parse.wait_unsubscribed(sub.subscription.request_id), TIMEOUT)
    await asyncio.wait_for(owned.closed.wait(), TIMEOUT)
    await client.close()


async def test_a_dropped_unfinished_iterator_unsubscribes() -> None:
    parse = MemoryParse()
    client, sub, _owned = await synced(parse)
    await parse.create(sub.subscription.request_id, game(1))
    events = aiter(sub)
    assert (await anext(events)).object["n"] == 1
    del events
    gc.collect()
    await asyncio.wait_for(parse.wait_unsubscribed(sub.subscription.request_id), TIMEOUT)
    await client.close()


async def test_anext_takes_one_event_and_keeps_the_subscription() -> None:
    parse = MemoryParse()
    client, sub, owned = await synced(parse)
    request_id = sub.subscription.request_id
    await parse.create(request_id, game(1))
    await parse.create(request_id, game(2))
    assert (await asyncio.wait_for(anext(sub), TIMEOUT)).object["n"] == 1
    assert (await asyncio.wait_for(anext(sub), TIMEOUT)).object["n"] == 2
    assert not sub.subscription.closed
    assert not owned.closed.is_set()
    await sub.unsubscribe()
    await client.close()
