"""Batched delivery: a transport's ``recv_batch`` and ``Subscription.next_batch``/``batches``."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.subscription import Event
from livequery_cli.exceptions import InvalidStateError, ServerError

TIMEOUT = 5.0


def obj(n: int) -> dict[str, Any]:
    return {"className": "Game", "objectId": f"g{n}", "n": n}


class BatchTransport:
    """An in-memory socket with ``recv_batch``: each ``push_many`` is one network read."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.reads: asyncio.Queue[list[bytes]] = asyncio.Queue()
        self.batch_calls = 0
        self.closed = False

    def push_many(self, frames: list[dict[str, Any]]) -> None:
        self.reads.put_nowait([orjson.dumps(f) for f in frames])

    async def send(self, message: str) -> None:
        frame = orjson.loads(message)
        self.sent.append(frame)
        if frame["op"] == "connect":
            self.push_many([{"op": "connected", "clientId": "mem"}])
        elif frame["op"] == "subscribe":
            self.push_many([{"op": "subscribed", "requestId": frame["requestId"]}])
        elif frame["op"] == "unsubscribe":
            self.push_many([{"op": "unsubscribed", "requestId": frame["requestId"]}])

    async def recv_batch(self) -> list[bytes]:
        self.batch_calls += 1
        return await self.reads.get()

    async def recv(self) -> bytes:
        raise AssertionError("recv_batch is preferred when a transport has it")

    async def close(self) -> None:
        self.closed = True


def creates(request_id: int, numbers: range) -> list[dict[str, Any]]:
    return [{"op": "create", "requestId": request_id, "object": obj(n)} for n in numbers]


async def connected_pair(max_queue: int = 1024) -> tuple[LiveQueryClient, BatchTransport]:
    transport = BatchTransport()

    async def connect(url: str) -> BatchTransport:
        return transport

    client = LiveQueryClient(
        "app", "ws://nowhere.invalid/parse", connect=connect, max_queue=max_queue
    )
    return client, transport


async def test_one_network_read_is_one_batch_in_wire_order() -> None:
    client, transport = await connected_pair()
    sub = await client.subscribe({"className": "Game", "where": {}})
    seen: list[int] = []
    sub.on("create", lambda o: seen.append(o["n"]))
    transport.push_many(creates(sub.request_id, range(50)))
    batch = await asyncio.wait_for(sub.next_batch(), TIMEOUT)
    assert batch == [Event("create", obj(n)) for n in range(50)]
    assert seen == list(range(50))  # listeners see every event too
    await client.close()
    with pytest.raises(StopAsyncIteration):
        await sub.next_batch()


async def test_batches_end_when_the_subscription_ends() -> None:
    client, transport = await connected_pair()
    sub = await client.subscribe({"className": "Game", "where": {}})
    transport.push_many(creates(sub.request_id, range(10)))
    transport.push_many(creates(sub.request_id, range(10, 15)))
    got: list[list[Event]] = []
    async for batch in sub.batches():
        got.append(batch)
        if sum(map(len, got)) == 15:
            await sub.unsubscribe()
    assert [e.object["n"] for b in got for e in b] == list(range(15))
    assert len(got) <= 2
    await client.close()


async def test_a_batch_larger_than_the_buffer_waits_for_the_consumer_and_loses_nothing() -> None:
    client, transport = await connected_pair(max_queue=8)
    sub = await client.subscribe({"className": "Game", "where": {}})
    batches = sub.batches()  # iterating from now on: events are kept
    transport.push_many(creates(sub.request_id, range(100)))
    numbers: list[int] = []
    while len(numbers) < 100:
        batch = await asyncio.wait_for(anext(batches), TIMEOUT)
        assert 1 <= len(batch) <= 8  # never more than the buffer holds
        numbers.extend(e.object["n"] for e in batch)
    assert numbers == list(range(100))
    await client.close()


async def test_a_frame_that_ends_the_connection_stops_the_rest_of_its_batch() -> None:
    client, transport = await connected_pair()
    sub = await client.subscribe({"className": "Game", "where": {}})
    errors: list[BaseException] = []
    client.on("error", errors.append)
    fatal = {"op": "error", "code": 1, "error": "bye", "reconnect": False}
    transport.push_many(
        [*creates(sub.request_id, range(3)), fatal, *creates(sub.request_id, range(3, 6))]
    )
    got = await asyncio.wait_for(sub.next_batch(), TIMEOUT)
    assert [e.object["n"] for e in got] == [0, 1, 2]
    with pytest.raises(ServerError, match="bye"):
        await asyncio.wait_for(sub.next_batch(), TIMEOUT)
    assert any("bye" in str(e) for e in errors)
    await client.close()


async def test_next_batch_after_the_buffer_was_switched_off_raises() -> None:
    client, transport = await connected_pair(max_queue=4)
    sub = await client.subscribe({"className": "Game", "where": {}})
    all_seen = asyncio.Event()
    sub.on("create", lambda o: o["n"] == 9 and all_seen.set())
    transport.push_many(creates(sub.request_id, range(10)))
    await asyncio.wait_for(all_seen.wait(), TIMEOUT)  # listeners only, no iteration
    with pytest.raises(InvalidStateError, match="not kept"):
        await sub.next_batch()
    await client.close()
