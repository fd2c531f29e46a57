"""A scripted Parse LiveQuery server on the in-memory transport, for unit tests of the client.

It answers ``connect``, ``subscribe``, ``update`` and ``unsubscribe`` as
Parse does, records every frame it was sent, and pushes object events on
demand (``create(request_id, obj)``) in wire order.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from livequery_cli.client.transports.interface import Connector
from livequery_cli.client.transports.memory import MemoryTransport, memory_connector

__all__ = ["MemoryParse"]

WAIT_S = 5.0


class MemoryParse:
    """One in-process server; ``connector`` is what ``LiveQueryClient(connect=...)`` takes."""

    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.end: MemoryTransport | None = None
        self.unsubscribed: set[int] = set()
        self.changed = asyncio.Event()
        self.connector: Connector = memory_connector(self._serve)

    async def _serve(self, end: MemoryTransport) -> None:
        self.end = end
        while True:
            frame = orjson.loads(await end.recv())
            self.sent.append(frame)
            op = frame["op"]
            if op == "connect":
                await self._push({"op": "connected", "clientId": "mem"})
            elif op in ("subscribe", "update"):
                await self._push({"op": "subscribed", "requestId": frame["requestId"]})
            elif op == "unsubscribe":
                self.unsubscribed.add(frame["requestId"])
                await self._push({"op": "unsubscribed", "requestId": frame["requestId"]})
            self.changed.set()

    async def _push(self, frame: dict[str, Any]) -> None:
        assert self.end is not None
        await self.end.send(orjson.dumps(frame).decode())

    async def create(self, request_id: int, obj: dict[str, Any]) -> None:
        """Send a ``create`` event for ``request_id`` (ignored by Parse once unsubscribed)."""
        if request_id not in self.unsubscribed:
            await self._push({"op": "create", "requestId": request_id, "object": obj})

    async def wait_unsubscribed(self, request_id: int) -> None:
        """Return once the client sent ``unsubscribe`` for ``request_id`` (5 s at most)."""
        async with asyncio.timeout(WAIT_S):
            while request_id not in self.unsubscribed:
                self.changed.clear()
                await self.changed.wait()
