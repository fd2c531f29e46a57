"""One consumer that stops reading never stalls the other subscriptions of its connection.

Each subscription has its own bounded buffer and overflow policy; leaving an
``async for`` (``break``, ``aclose()``, cancellation, garbage collection)
unsubscribes. All over the in-memory transport: no network.
"""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from support.memory_parse import MemoryParse

import livequery_cli as lq
from livequery_cli.client import LiveQueryClient
from livequery_cli.client.subscription import Event, Subscription

TIMEOUT = 5.0
GAME = {"className": "Game", "where": {}}
PLAYER = {"className": "Player", "where": {}}


def obj(n: int) -> dict[str, Any]:
    return {"className": "Game", "objectId": f"g{n}", "n": n}


async def client_and_server(**options: Any) -> tuple[LiveQueryClient, MemoryParse]:
    parse = MemoryParse()
    client = LiveQueryClient("app", "ws://memory.invalid/parse", connect=parse.connector, **options)
    return client, parse


async def collect(sub: Subscription, count: int) -> list[int]:
    seen: list[int] = []
    async for event in sub:
        seen.append(event.object["n"])
        if len(seen) == count:
            break
    return seen


async def test_breaking_out_of_one_iterator_does_not_stall_another() -> None:
    """The report's repro: max_queue=5, ``a`` breaks after one event, 31 writes."""
    client, parse = await client_and_server(max_queue=5)
    a = await client.subscribe(GAME)
    b = await client.subscribe(GAME)
    b_seen = asyncio.ensure_future(collect(b, 31))

    async def first_of_a() -> None:
        async for _event in a:
            break

    await parse.create(a.request_id, obj(0))
    await parse.create(b.request_id, obj(0))
    await asyncio.wait_for(first_of_a(), TIMEOUT)
    for n in range(1, 31):
        await parse.create(a.request_id, obj(n))
        await parse.create(b.request_id, obj(n))
    assert await asyncio.wait_for(b_seen, TIMEOUT) == list(range(31))
    await parse.wait_unsubscribed(a.request_id)
    assert a.closed
    assert a.error is None
    await client.close()


async def test_a_stuck_consumer_loses_its_own_subscription_with_an_overflow_error() -> None:
    client, parse = await client_and_server(max_queue=5)
    a = await client.subscribe(GAME)
    b = await client.subscribe(GAME)
    b_seen = asyncio.ensure_future(collect(b, 31))
    a_events = aiter(a)  # iterating, then never reading again (but still holding on)
    for n in range(31):
        await parse.create(a.request_id, obj(n))
        await parse.create(b.request_id, obj(n))
    assert await asyncio.wait_for(b_seen, TIMEOUT) == list(range(31))
    await parse.wait_unsubscribed(a.request_id)
    kept = [(await anext(a_events)).object["n"] for _ in range(5)]
    assert kept == [0, 1, 2, 3, 4]  # what it had buffered is still delivered, then the error
    with pytest.raises(lq.SubscriptionOverflowError) as raised:
        await anext(a_events)
    assert isinstance(raised.value, lq.LiveQueryError)
    assert raised.value.max_queue == 5
    assert raised.value.request_id == a.request_id
    await client.close()


async def test_drop_oldest_keeps_the_newest_events_and_counts_the_rest() -> None:
    client, parse = await client_and_server(max_queue=5)
    a = await client.subscribe(GAME, overflow="drop_oldest")
    b = await client.subscribe(GAME)
    b_seen = asyncio.ensure_future(collect(b, 31))
    aiter(a)
    for n in range(31):
        await parse.create(a.request_id, obj(n))
        await parse.create(b.request_id, obj(n))
    assert await asyncio.wait_for(b_seen, TIMEOUT) == list(range(31))
    assert [e.object["n"] for e in await a.next_batch()] == [26, 27, 28, 29, 30]
    assert a.dropped == 26
    assert not a.closed
    await client.close()


async def test_a_lone_slow_consumer_gets_backpressure_and_loses_nothing() -> None:
    client, parse = await client_and_server(max_queue=3)
    sub = await client.subscribe(GAME)
    reader = asyncio.ensure_future(collect(sub, 50))
    for n in range(50):
        await parse.create(sub.request_id, obj(n))
    assert await asyncio.wait_for(reader, TIMEOUT) == list(range(50))
    await client.close()


async def test_closing_the_iterator_unsubscribes() -> None:
    client, parse = await client_and_server()
    sub = await client.subscribe(GAME)
    events = aiter(sub)
    await parse.create(sub.request_id, obj(0))
    assert await asyncio.wait_for(anext(events), TIMEOUT) == Event("create", obj(0))
    await events.aclose()  # type: ignore[attr-defined]
    assert sub.closed
    await parse.wait_unsubscribed(sub.request_id)
    await client.close()


async def test_cancelling_the_iterating_task_unsubscribes() -> None:
    client, parse = await client_and_server()
    sub = await client.subscribe(GAME)
    started = asyncio.Event()

    async def consume() -> None:
        async for _event in sub:
            started.set()

    task = asyncio.ensure_future(consume())
    await parse.create(sub.request_id, obj(0))
    await asyncio.wait_for(started.wait(), TIMEOUT)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sub.closed
    await parse.wait_unsubscribed(sub.request_id)
    await client.close()


async def test_an_abandoned_iterator_unsubscribes_when_collected() -> None:
    client, parse = await client_and_server()
    sub = await client.subscribe(GAME)
    events = aiter(sub)
    await parse.create(sub.request_id, obj(0))
    await asyncio.wait_for(anext(events), TIMEOUT)
    del events
    gc.collect()
    await parse.wait_unsubscribed(sub.request_id)
    assert sub.closed
    await client.close()


async def test_anext_on_the_subscription_reads_without_ending_it() -> None:
    client, parse = await client_and_server()
    sub = await client.subscribe(GAME)
    for n in range(2):
        await parse.create(sub.request_id, obj(n))
    assert (await asyncio.wait_for(anext(sub), TIMEOUT)).object["n"] == 0
    assert (await asyncio.wait_for(anext(sub), TIMEOUT)).object["n"] == 1
    assert not sub.closed
    await client.close()


async def test_an_unknown_overflow_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="overflow"):
        LiveQueryClient("app", "ws://memory.invalid/parse", overflow="grow")  # type: ignore[arg-type]


async def test_the_standard_api_takes_the_policy_per_subscription() -> None:
    import livequery_cli.client.standard as standard

    parse = MemoryParse()
    saved = standard._config, dict(standard.LiveQuery.client_options)
    standard.configure("http://memory.invalid/parse", "app")
    standard.LiveQuery.client_options = {"connect": parse.connector}
    try:
        sub = await lq.Query("Game").subscribe(max_queue=2, overflow="drop_oldest")
        assert (sub.max_queue, sub.overflow) == (2, "drop_oldest")
        aiter(sub)
        for n in range(5):
            await parse.create(sub.request_id, obj(n))
        other = await lq.Query("Player").subscribe()  # after the five: they were read
        assert other.overflow == "error"
        assert [e.object["n"] for e in await sub.next_batch()] == [3, 4]
    finally:
        await standard.LiveQuery.close()
        standard._config, standard.LiveQuery.client_options = saved
