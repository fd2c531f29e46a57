"""The ``connect=`` hook: the client runs over any object with send/recv/close."""

from __future__ import annotations

import asyncio

import orjson

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.subscription import Event
from livequery_cli.client.transports.memory import MemoryTransport, memory_connector, memory_pair

OBJ = {"className": "Game", "objectId": "g1"}


class ScriptedParse:
    """Answers like Parse over an in-memory socket and records what it was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []
        self.connections = 0

    async def serve(self, end: MemoryTransport) -> None:
        self.connections += 1
        while True:
            frame = orjson.loads(await end.recv())
            self.sent.append(frame)
            if frame["op"] == "connect":
                await self.push(end, {"op": "connected", "clientId": "mem"})
            elif frame["op"] == "subscribe":
                request_id = frame["requestId"]
                await self.push(
                    end, {"op": "subscribed", "clientId": "mem", "requestId": request_id}
                )
                await self.push(end, {"op": "create", "requestId": request_id, "object": OBJ})

    @staticmethod
    async def push(end: MemoryTransport, frame: dict[str, object]) -> None:
        await end.send(orjson.dumps(frame).decode())


async def test_an_injected_transport_carries_the_whole_protocol() -> None:
    parse = ScriptedParse()
    urls: list[str] = []
    connect = memory_connector(parse.serve)

    async def recording(url: str) -> MemoryTransport:
        urls.append(url)
        end = await connect(url)
        assert isinstance(end, MemoryTransport)
        return end

    client = LiveQueryClient(
        "app", "ws://nowhere.invalid/parse", master_key="mk", connect=recording
    )
    sub = await client.subscribe({"className": "Game", "where": {}})
    assert await asyncio.wait_for(anext(sub), 5) == Event("create", OBJ)
    await client.close()
    assert urls == ["ws://nowhere.invalid/parse"]
    assert [f["op"] for f in parse.sent] == ["connect", "subscribe"]
    assert parse.sent[0]["masterKey"] == "mk"


async def test_a_memory_pair_closes_cleanly_and_aborts_as_a_lost_link() -> None:
    from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK

    client, server = memory_pair()
    await client.send("hello")
    assert await server.recv() == "hello"
    await server.close()
    try:
        await client.recv()
    except ConnectionClosedOK:
        pass
    else:
        raise AssertionError("a closed peer must end recv cleanly")
    client, server = memory_pair()
    server.abort()
    try:
        await client.recv()
    except ConnectionClosedError:
        pass
    else:
        raise AssertionError("an aborted peer must end recv as a lost connection")
