"""The fault proxy itself, against a loopback echo server: each fault does what it says."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator

import pytest
from support.fault_proxy import FaultProxy

WAIT_S = 5.0


@pytest.fixture
async def echo_port() -> AsyncIterator[int]:
    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except OSError:
            pass
        finally:
            await _close(writer)

    server = await asyncio.start_server(echo, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


@pytest.fixture
async def proxy(echo_port: int) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(echo_port) as running:
        yield running


async def _connect(proxy: FaultProxy) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", proxy.port)


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()


async def _roundtrip(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes
) -> bytes:
    writer.write(data)
    await writer.drain()
    return await asyncio.wait_for(reader.readexactly(len(data)), WAIT_S)


async def test_pass_through_forwards_both_ways(proxy: FaultProxy) -> None:
    reader, writer = await _connect(proxy)
    assert await _roundtrip(reader, writer, b"hello" * 1000) == b"hello" * 1000
    assert proxy.accepted == 1
    assert proxy.bytes_down == proxy.bytes_up == 5000
    await _close(writer)


async def test_cut_closes_the_client_side(proxy: FaultProxy) -> None:
    reader, writer = await _connect(proxy)
    await _roundtrip(reader, writer, b"x")
    proxy.cut()
    assert await asyncio.wait_for(reader.read(), WAIT_S) == b""
    await _close(writer)


async def test_stall_forwards_nothing_and_closes_nothing_until_resumed(proxy: FaultProxy) -> None:
    reader, writer = await _connect(proxy)
    await _roundtrip(reader, writer, b"x")
    proxy.stall()
    writer.write(b"stalled")
    await writer.drain()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.readexactly(7), 0.3)
    assert proxy.live_connections == 1
    proxy.resume()
    assert await asyncio.wait_for(reader.readexactly(7), WAIT_S) == b"stalled"
    await _close(writer)


async def test_delay_holds_each_chunk(proxy: FaultProxy) -> None:
    reader, writer = await _connect(proxy)
    proxy.delay(0.2)
    began = time.monotonic()
    await _roundtrip(reader, writer, b"slow")
    assert time.monotonic() - began >= 0.4  # delayed going up and coming back
    await _close(writer)


async def test_throttle_bounds_the_rate(proxy: FaultProxy) -> None:
    reader, writer = await _connect(proxy)
    proxy.throttle(20_000)
    began = time.monotonic()
    await _roundtrip(reader, writer, b"z" * 10_000)
    assert time.monotonic() - began >= 0.45  # 10 kB at 20 kB/s (both ways pipelined)
    await _close(writer)


async def test_reset_mid_frame_delivers_a_prefix_then_rst(proxy: FaultProxy) -> None:
    # A raw socket: asyncio streams drop buffered data once the reset is seen.
    loop = asyncio.get_running_loop()
    with socket.create_connection(("127.0.0.1", proxy.port)) as sock:
        sock.setblocking(False)
        done = proxy.reset_mid_frame(min_chunk=100)
        await loop.sock_sendall(sock, b"a" * 1000)
        await asyncio.wait_for(done.wait(), WAIT_S)
        received = b""
        reset = False
        try:
            while chunk := await asyncio.wait_for(loop.sock_recv(sock, 65536), WAIT_S):
                received += chunk
        except ConnectionResetError:
            reset = True
    assert reset, "the connection ended with FIN, not RST"
    assert 0 < len(received) < 1000


async def test_refuse_accepts_and_closes(proxy: FaultProxy) -> None:
    proxy.refuse()
    reader, writer = await _connect(proxy)
    assert await asyncio.wait_for(reader.read(), WAIT_S) == b""
    await _close(writer)
    proxy.resume()
    reader, writer = await _connect(proxy)
    assert await _roundtrip(reader, writer, b"back") == b"back"
    await _close(writer)


async def test_only_loopback_is_allowed() -> None:
    with pytest.raises(ValueError, match="loopback"):
        FaultProxy(80, upstream_host="10.0.0.1")


async def test_aclose_ends_stalled_links(echo_port: int) -> None:
    proxy = await FaultProxy(echo_port).start()
    reader, writer = await _connect(proxy)
    await _roundtrip(reader, writer, b"x")
    proxy.stall()
    await asyncio.wait_for(proxy.aclose(), WAIT_S)
    assert proxy.live_connections == 0
    assert await asyncio.wait_for(reader.read(), WAIT_S) == b""
    await _close(writer)
