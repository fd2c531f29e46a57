"""The connection gate of ``lq serve``: waiting connections evicted, a full server refusing.

In-process, with tiny limits so every path is reached with a handful of
sockets: ``max_pending`` waiting connections (half-sent requests) at most,
the oldest evicted first; and when the descriptor budget is taken by busy
connections (LiveQuery WebSockets), a new connection is closed at once, not
queued into ``EMFILE``, and served again as soon as a busy one leaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from support.lq_harness import make_config
from websockets.asyncio.client import ClientConnection, connect

from livequery_cli.server import app as server_app
from livequery_cli.server.app import EmbeddedServer

WAIT_S = 5.0
MAX_PENDING = 4
BUDGET = 6


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[EmbeddedServer]:
    monkeypatch.setattr(server_app, "descriptor_budget", lambda: BUDGET)
    started = EmbeddedServer(make_config(max_pending_connections=MAX_PENDING))
    await started.start()
    try:
        yield started
    finally:
        await started.stop()


async def _half_sent(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /parse/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    await writer.drain()
    return reader, writer


async def _closed_by_server(reader: asyncio.StreamReader) -> bool:
    try:
        return await asyncio.wait_for(reader.read(), WAIT_S) == b""
    except (ConnectionError, TimeoutError):
        return True


async def _health(port: int) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(b"GET /parse/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return await asyncio.wait_for(reader.read(), WAIT_S)
    finally:
        writer.close()


async def test_the_oldest_waiting_connection_is_evicted(server: EmbeddedServer) -> None:
    assert server.port is not None
    first = [await _half_sent(server.port) for _ in range(MAX_PENDING)]
    newest = await _half_sent(server.port)  # one too many: the oldest makes room
    assert await _closed_by_server(first[0][0])
    assert (await _health(server.port)).startswith(b"HTTP/1.1 200")
    newest[1].write(b"1\r\n\r\n")  # the newest finishes its request and is answered
    assert (await asyncio.wait_for(newest[0].readline(), WAIT_S)).startswith(b"HTTP/1.1 200")
    for _, writer in [*first, newest]:
        writer.close()


async def test_a_server_full_of_busy_connections_refuses_then_recovers(
    server: EmbeddedServer,
) -> None:
    sockets: list[ClientConnection] = [
        await connect(server.live_query_url, open_timeout=WAIT_S) for _ in range(BUDGET)
    ]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        assert await _closed_by_server(reader)  # no room: closed at once, not held
        writer.close()
        await sockets.pop().close()
        assert (await _health(server.port or 0)).startswith(b"HTTP/1.1 200")
    finally:
        for ws in sockets:
            await ws.close()
