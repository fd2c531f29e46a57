"""``WebSocketConnection`` against a real ``websockets`` server: batches, backpressure, closing."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import (
    ConnectionClosedError,
    ConnectionClosedOK,
    InvalidMessage,
    InvalidStatus,
)
from websockets.http11 import Request, Response

from livequery_cli.client.transports.interface import describe_close, is_clean_close
from livequery_cli.client.transports.websocket import WebSocketConnection, open_websocket

Handler = Callable[[ServerConnection], Awaitable[None]]
TIMEOUT = 5.0


@asynccontextmanager
async def server(handler: Handler, **options: object) -> AsyncIterator[str]:
    async with serve(handler, "127.0.0.1", 0, ping_interval=None, **options) as srv:  # type: ignore[arg-type]
        port = next(iter(srv.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/parse"


def text_frame(payload: bytes) -> bytes:
    """A short unmasked server-to-client text frame."""
    assert len(payload) < 126
    return bytes([0x81, len(payload)]) + payload


async def drain(conn: WebSocketConnection, count: int) -> list[list[bytes]]:
    batches: list[list[bytes]] = []
    while sum(map(len, batches)) < count:
        batches.append(await asyncio.wait_for(conn.recv_batch(), TIMEOUT))
    return batches


async def test_a_burst_arrives_in_order_in_fewer_batches_than_messages() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.recv()  # the client is ready: 500 frames in one TCP write
        ws.transport.write(b"".join(text_frame(b'{"n":%d}' % i) for i in range(500)))
        await ws.wait_closed()

    async with server(handler) as url:
        conn = await open_websocket(url)
        await conn.send("go")
        batches = await drain(conn, 500)
        assert [m for b in batches for m in b] == [b'{"n":%d}' % i for i in range(500)]
        assert len(batches) < 500
        await conn.close()


async def test_a_fragmented_message_is_reassembled() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(["ab", "cd", "ef"])
        await ws.wait_closed()

    async with server(handler) as url:
        conn = await open_websocket(url)
        assert await asyncio.wait_for(conn.recv(), TIMEOUT) == b"abcdef"
        await conn.close()


async def test_a_reader_that_falls_behind_stops_the_socket_and_loses_nothing() -> None:
    sent = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        payload = "x" * 4000  # 16 MB in all: more than loopback TCP buffers hold
        for i in range(4000):
            await ws.send(f'{{"n":{i},"pad":"{payload}"}}')
        sent.set()
        await ws.wait_closed()

    async with server(handler) as url:
        conn = await open_websocket(url, max_pending=50)
        # Nobody reads: the connection stops reading once 50 messages wait,
        # so the server's sends block on TCP instead of filling our memory.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(sent.wait(), 0.5)
        assert conn._reading_paused
        first = len(conn._messages)
        assert 50 <= first < 100  # the threshold plus the rest of one read
        received: list[bytes] = []
        while len(received) < 4000:
            received.extend(await asyncio.wait_for(conn.recv_batch(), TIMEOUT))
        assert [int(m[5 : m.index(b",")]) for m in received] == list(range(4000))
        await asyncio.wait_for(sent.wait(), TIMEOUT)
        await conn.close()


async def test_close_runs_the_closing_handshake() -> None:
    codes: list[int | None] = []

    async def handler(ws: ServerConnection) -> None:
        await ws.wait_closed()
        codes.append(ws.close_code)

    async with server(handler) as url:
        conn = await open_websocket(url)
        await asyncio.wait_for(conn.close(), TIMEOUT)
        await asyncio.wait_for(conn.close(), TIMEOUT)  # idempotent
        with pytest.raises(ConnectionClosedOK) as caught:
            await conn.recv_batch()
        assert is_clean_close(caught.value)
        with pytest.raises(ConnectionClosedOK):
            await conn.send("late")
    assert codes == [1000]


async def test_messages_sent_before_a_server_close_are_delivered_before_the_close() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send("last words")
        await ws.close(1011, "going away badly")

    async with server(handler) as url:
        conn = await open_websocket(url)
        assert await asyncio.wait_for(conn.recv_batch(), TIMEOUT) == [b"last words"]
        with pytest.raises(ConnectionClosedError) as caught:
            await asyncio.wait_for(conn.recv(), TIMEOUT)
        assert not is_clean_close(caught.value)
        assert describe_close(caught.value) == "connection closed with code 1011: going away badly"


async def test_a_peer_that_stops_answering_pings_is_dropped_with_a_reason() -> None:
    finished = asyncio.Event()

    async def handler(ws: ServerConnection) -> None:
        ws.transport.pause_reading()  # no pongs, no closing handshake: a dead peer
        await finished.wait()
        ws.transport.abort()

    async with server(handler) as url:
        conn = await open_websocket(url, ping_interval=0.1, ping_timeout=0.1)
        with pytest.raises(ConnectionClosedError) as caught:
            await asyncio.wait_for(conn.recv(), TIMEOUT)
        assert "keepalive ping timeout" in describe_close(caught.value)
        finished.set()


async def test_pings_that_are_answered_keep_the_connection() -> None:
    async def handler(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    async with server(handler) as url:
        conn = await open_websocket(url, ping_interval=0.02, ping_timeout=0.5)
        pongs = 0
        three_pongs = asyncio.Event()
        answered = conn._pong

        def count(payload: bytes) -> None:
            nonlocal pongs
            answered(payload)
            pongs += 1
            if pongs >= 3:
                three_pongs.set()

        conn._pong = count  # type: ignore[method-assign]
        await asyncio.wait_for(three_pongs.wait(), TIMEOUT)
        await conn.send("still there")
        assert await asyncio.wait_for(conn.recv(), TIMEOUT) == b"still there"
        await conn.close()


async def test_a_refused_upgrade_raises_the_http_status() -> None:
    def refuse(connection: ServerConnection, request: Request) -> Response:
        return connection.respond(404, "no LiveQuery here\n")

    async def handler(ws: ServerConnection) -> None:
        raise AssertionError("never upgraded")

    async with server(handler, process_request=refuse) as url:
        with pytest.raises(InvalidStatus, match="404"):
            await open_websocket(url)


async def test_a_server_that_never_answers_the_upgrade_times_out() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        port = listener.getsockname()[1]
        with pytest.raises(TimeoutError, match="opening handshake"):
            await open_websocket(f"ws://127.0.0.1:{port}/parse", open_timeout=0.2)
    finally:
        listener.close()


async def test_a_reply_that_is_not_http_fails_the_handshake_at_once() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await reader.read()  # keep the socket open: only the reply may fail it
        writer.close()

    srv = await asyncio.start_server(garbage, "127.0.0.1", 0)
    async with srv:
        port = srv.sockets[0].getsockname()[1]
        with pytest.raises(InvalidMessage):
            await asyncio.wait_for(open_websocket(f"ws://127.0.0.1:{port}/parse"), TIMEOUT)
