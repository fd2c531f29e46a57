"""Against Parse Server 9 and ``lq serve``: a consumer that breaks out never stalls the others."""

from __future__ import annotations

import asyncio

from support.parse_server import ParseServer as ServerHandle  # LqServer: same interface

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.query import Query
from livequery_cli.client.subscription import Subscription

WAIT = 20.0


async def test_break_after_one_event_and_the_other_subscription_gets_all_31(
    server: ServerHandle, unique_tag: str
) -> None:
    client = LiveQueryClient(
        server.app_id, server.ws_url, javascript_key=server.js_key, max_queue=5
    )
    query = Query("Game").equal_to("tag", unique_tag)
    a = await client.subscribe(query)
    b = await client.subscribe(query)
    first = asyncio.Event()

    async def read_a_then_leave() -> None:
        async for _event in a:
            first.set()
            break

    async def read_b(sub: Subscription) -> list[int]:
        seen: list[int] = []
        async for event in sub:
            seen.append(event.object["n"])
            if len(seen) == 31:
                break
        return seen

    leaving = asyncio.ensure_future(read_a_then_leave())
    reading = asyncio.ensure_future(read_b(b))
    try:
        await asyncio.to_thread(server.rest.create, "Game", {"tag": unique_tag, "n": 0})
        await asyncio.wait_for(first.wait(), WAIT)
        await asyncio.wait_for(leaving, WAIT)
        for n in range(1, 31):
            await asyncio.to_thread(server.rest.create, "Game", {"tag": unique_tag, "n": n})
        assert await asyncio.wait_for(reading, WAIT) == list(range(31))
        assert a.closed
    finally:
        await client.close()
