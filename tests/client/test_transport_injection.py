"""The ``connect=`` hook: the client runs over any object with send/recv/close."""

from __future__ import annotations

import asyncio

import orjson

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.subscription import Event

OBJ = {"className": "Game", "objectId": "g1"}


class MemoryTransport:
    """A socket in memory that answers like Parse and records what it was sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []
        self.inbox: asyncio.Queue[str] = asyncio.Queue()
        self.closed = False

    async def send(self, message: str) -> None:
        frame = orjson.loads(message)
        self.sent.append(frame)
        if frame["op"] == "connect":
            self.push({"op": "connected", "clientId": "mem"})
        elif frame["op"] == "subscribe":
            self.push({"op": "subscribed", "clientId": "mem", "requestId": frame["requestId"]})
            self.push({"op": "create", "requestId": frame["requestId"], "object": OBJ})

    def push(self, frame: dict[str, object]) -> None:
        self.inbox.put_nowait(orjson.dumps(frame).decode())

    async def recv(self) -> str:
        return await self.inbox.get()

    async def close(self) -> None:
        self.closed = True


async def test_an_injected_transport_carries_the_whole_protocol() -> None:
    transport = MemoryTransport()
    urls: list[str] = []

    async def connect(url: str) -> MemoryTransport:
        urls.append(url)
        return transport

    client = LiveQueryClient("app", "ws://nowhere.invalid/parse", master_key="mk", connect=connect)
    sub = await client.subscribe({"className": "Game", "where": {}})
    assert await asyncio.wait_for(anext(aiter(sub)), 5) == Event("create", OBJ)
    await client.close()
    assert urls == ["ws://nowhere.invalid/parse"]
    assert [f["op"] for f in transport.sent] == ["connect", "subscribe"]
    assert transport.sent[0]["masterKey"] == "mk"
    assert transport.closed
