"""A scripted LiveQuery server, for faults a real Parse Server cannot be made to produce.

Garbage frames, events for request ids nobody subscribed, a peer that stops
answering pings (half-open socket), a slow consumer under a flood of events:
each test scripts what the server sends. Everything else is tested against
the real Parse Server.

With ``auto=True`` (the default) the server answers ``connect`` with
``connected`` and ``subscribe``/``update`` with ``subscribed`` and
``unsubscribe`` with ``unsubscribed``, like Parse does, so a test only
scripts the fault.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

TIMEOUT = 5.0


class FakeConnection:
    """One client socket as the server sees it."""

    def __init__(self, ws: ServerConnection, auto: bool) -> None:
        self.ws = ws
        self.auto = auto
        self.received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.subscribed: dict[int, dict[str, Any]] = {}
        self.silent = False

    async def recv(self, op: str | None = None) -> dict[str, Any]:
        """The next frame the client sent (of ``op``, skipping others)."""
        while True:
            frame = await asyncio.wait_for(self.received.get(), TIMEOUT)
            if op is None or frame.get("op") == op:
                return frame

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        text = frame if isinstance(frame, str | bytes) else orjson.dumps(frame).decode()
        await self.ws.send(text)

    async def event(
        self, op: str, request_id: int, obj: dict[str, Any], original: Any = None
    ) -> None:
        frame: dict[str, Any] = {
            "op": op,
            "clientId": "fake",
            "requestId": request_id,
            "object": obj,
        }
        if original is not None:
            frame["original"] = original
        await self.send(frame)

    def go_silent(self) -> None:
        """Stop reading the socket: no pongs, no close handshake (a half-open peer)."""
        self.silent = True
        self.ws.transport.pause_reading()

    async def close(self) -> None:
        await self.ws.close()

    async def serve(self) -> None:
        try:
            async for text in self.ws:
                frame = orjson.loads(text)
                self.received.put_nowait(frame)
                if self.auto:
                    await self._answer(frame)
        except ConnectionClosed:
            pass

    async def _answer(self, frame: dict[str, Any]) -> None:
        op = frame.get("op")
        if op == "connect":
            await self.send({"op": "connected", "clientId": "fake"})
        elif op in ("subscribe", "update"):
            self.subscribed[frame["requestId"]] = frame
            await self.send(
                {"op": "subscribed", "clientId": "fake", "requestId": frame["requestId"]}
            )
        elif op == "unsubscribe":
            self.subscribed.pop(frame["requestId"], None)
            await self.send(
                {"op": "unsubscribed", "clientId": "fake", "requestId": frame["requestId"]}
            )


class FakeServer:
    def __init__(self, server: Server, auto: bool, scheme: str) -> None:
        self._server = server
        self.auto = auto
        self.connections: asyncio.Queue[FakeConnection] = asyncio.Queue()
        self.all_connections: list[FakeConnection] = []
        port = next(iter(server.sockets)).getsockname()[1]
        self.url = f"{scheme}://127.0.0.1:{port}/parse"

    async def next_connection(self, within: float = TIMEOUT) -> FakeConnection:
        return await asyncio.wait_for(self.connections.get(), within)

    async def handler(self, ws: ServerConnection) -> None:
        connection = FakeConnection(ws, self.auto)
        self.all_connections.append(connection)
        self.connections.put_nowait(connection)
        await connection.serve()


@asynccontextmanager
async def fake_server(
    *, auto: bool = True, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[FakeServer]:
    holder: list[FakeServer] = []

    async def handler(ws: ServerConnection) -> None:
        await holder[0].handler(ws)

    async with serve(handler, "127.0.0.1", 0, ssl=ssl_context, ping_interval=None) as server:
        fake = FakeServer(server, auto, "wss" if ssl_context else "ws")
        holder.append(fake)
        try:
            yield fake
        finally:
            for connection in fake.all_connections:
                if connection.silent:  # it would wait out the close timeout
                    connection.ws.transport.abort()
