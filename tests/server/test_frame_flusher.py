"""Outgoing frames: one write per connection per loop pass, in order; slow sockets apart."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from aiohttp import web
from support.lq_harness import Harness, make_config
from websockets.frames import Frame, Opcode
from websockets.streams import StreamReader

from livequery_cli.server import frame_flusher
from livequery_cli.server.fanout import LiveQueryHub
from livequery_cli.server.frame_flusher import encode_text_frames, flusher_for_running_loop
from livequery_cli.server.frame_outbox import FAST_WRITE_BUFFER
from livequery_cli.server.live_query import LiveConnection

WAIT_S = 5.0


def parse_frames(data: bytes) -> list[str]:
    """Decode server frames with the websockets library's own parser (the reference)."""
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    texts: list[str] = []
    while True:
        parser = Frame.parse(reader.read_exact, mask=False)
        try:
            next(parser)
        except StopIteration as done:
            frame = done.value
        except EOFError:
            return texts
        assert frame.opcode is Opcode.TEXT
        assert frame.fin
        texts.append(frame.data.decode())


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_encoded_frames_parse_back_at_every_length_boundary(size: int) -> None:
    frames = ["x" * size, "é" * (size // 2), "{}"]
    assert parse_frames(encode_text_frames(frames)) == frames


class FakeTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.buffered = 0
        self.wrote = asyncio.Event()

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self.wrote.set()

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def is_closing(self) -> bool:
        return False


class FakeWebSocket:
    closed = False

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.sent_event = asyncio.Event()

    async def send_str(self, frame: str) -> None:
        self.sent.append(frame)
        self.sent_event.set()


def connection() -> tuple[LiveConnection, FakeWebSocket, FakeTransport]:
    ws = FakeWebSocket()
    hub = cast(LiveQueryHub, object())
    conn = LiveConnection(cast(web.WebSocketResponse, ws), hub, make_config())
    transport = FakeTransport()
    conn.transport = cast(asyncio.Transport, transport)
    return conn, ws, transport


async def test_frames_queued_in_one_pass_leave_in_one_write() -> None:
    conn, ws, transport = connection()
    for i in range(3):
        conn.send(f'{{"n":{i}}}')
    assert transport.writes == []  # nothing is written before the loop's next pass
    await asyncio.wait_for(transport.wrote.wait(), WAIT_S)
    assert len(transport.writes) == 1
    assert parse_frames(transport.writes[0]) == ['{"n":0}', '{"n":1}', '{"n":2}']
    assert ws.sent == []


async def test_a_full_socket_buffer_hands_frames_to_the_writer_in_order() -> None:
    conn, ws, transport = connection()
    try:
        transport.buffered = FAST_WRITE_BUFFER + 1
        conn.send("a")
        conn.send("b")
        await asyncio.wait_for(ws.sent_event.wait(), WAIT_S)
        conn.send("c")  # while the writer owns the queue, frames queue behind it
        while ws.sent != ["a", "b", "c"]:
            ws.sent_event.clear()
            await asyncio.wait_for(ws.sent_event.wait(), WAIT_S)
        assert transport.writes == []
        transport.buffered = 0  # the socket caught up: back to one write per pass
        conn.send("d")
        await asyncio.wait_for(transport.wrote.wait(), WAIT_S)
        assert parse_frames(transport.writes[0]) == ["d"]
        assert ws.sent == ["a", "b", "c"]
    finally:
        await conn.stop_writer()


async def test_a_batch_of_writes_reaches_every_client_in_order(harness: Harness) -> None:
    """Five creates in one REST batch: their events leave together and arrive in order."""
    clients = [await harness.live() for _ in range(10)]
    for live in clients:
        await live.subscribe(1, "Game", {"tag": "batch"})
    flusher = flusher_for_running_loop()
    before = flusher.flushes
    requests: list[dict[str, Any]] = [
        {"method": "POST", "path": "/parse/classes/Game", "body": {"tag": "batch", "n": n}}
        for n in range(5)
    ]
    await harness.rest("POST", "batch", {"requests": requests})
    for live in clients:
        frames = [await live.recv() for _ in range(5)]
        assert [f["object"]["n"] for f in frames] == [0, 1, 2, 3, 4]
        assert all(f["op"] == "create" and f["requestId"] == 1 for f in frames)
    # 50 frames to 10 sockets, in far fewer passes than frames.
    assert flusher.flushes - before < 50


class RecordingLoop:
    """Records what the flusher schedules instead of running it."""

    def __init__(self) -> None:
        self.scheduled: list[tuple[float, Any]] = []

    def call_soon(self, callback: Any) -> None:
        self.scheduled.append((0.0, callback))

    def call_later(self, delay: float, callback: Any) -> None:
        self.scheduled.append((delay, callback))


def test_a_slow_flush_delays_the_next_so_writes_share_it(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [0.0]
    monkeypatch.setattr(frame_flusher.time, "perf_counter", lambda: clock[0])

    class Costly:
        def __init__(self, seconds: float) -> None:
            self.seconds = seconds
            self.flushed = 0

        def flush(self) -> None:
            clock[0] += self.seconds  # what writing to hundreds of sockets costs
            self.flushed += 1

    loop = RecordingLoop()
    flusher = frame_flusher.FrameFlusher(cast(asyncio.AbstractEventLoop, loop))

    def run_next(expected_delay: float) -> None:
        delay, callback = loop.scheduled.pop()
        assert delay == pytest.approx(expected_delay)
        callback()

    broadcast = Costly(0.003)
    flusher.mark(broadcast)
    flusher.mark(Costly(0.0))
    assert len(loop.scheduled) == 1  # one pass for both
    run_next(0.0)  # at once
    assert broadcast.flushed == 1
    clock[0] += 0.001  # a write handled 1 ms after the broadcast's flush ended
    flusher.mark(broadcast)
    run_next(0.002)  # starts 3 ms (as long as the flush took) after the last one ended
    clock[0] += 0.001
    flusher.mark(Costly(0.0))
    run_next(0.002)
    flusher.mark(Costly(0.0))
    run_next(0.0)  # after a cheap flush, at once again
    flusher.mark(Costly(1.0))
    run_next(0.0)
    flusher.mark(Costly(0.0))
    run_next(frame_flusher.MAX_DELAY_S)  # capped
    flusher.mark(broadcast)
    run_next(0.0)
    clock[0] += 10.0  # long after a slow flush: its delay no longer applies
    flusher.mark(Costly(0.0))
    run_next(0.0)
