"""The fast path of ``WebSocketConnection``: frames sliced out of the read buffer.

Whatever the chunking, the messages and the ``websockets`` protocol state
(pongs sent, fragments assembled, limits enforced) must be what
``websockets``' own parser alone would give.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.server import ServerProtocol
from websockets.uri import parse_uri

from livequery_cli.client.transports.websocket import WebSocketConnection


class Wire:
    """Collects what the connection writes (the socket side of a transport)."""

    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(bytes(data))

    def is_closing(self) -> bool:
        return False

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def abort(self) -> None:
        pass

    def close(self) -> None:
        pass

    def can_write_eof(self) -> bool:
        return False


def open_connection(max_size: int | None = 2**20) -> tuple[WebSocketConnection, Wire]:
    ws = ClientProtocol(parse_uri("ws://127.0.0.1/"), state=State.OPEN, max_size=max_size)
    conn = WebSocketConnection(ws, ping_interval=None, ping_timeout=None, close_timeout=1)
    wire = Wire()
    conn._transport = wire  # type: ignore[assignment]
    conn.data_received(b"")  # what the end of the opening handshake does
    return conn, wire


def server_frame(opcode: Opcode, data: bytes, fin: bool = True) -> bytes:
    return Frame(opcode, data, fin).serialize(mask=False)


def sent_frames(wire: Wire) -> list[Frame]:
    """The frames the client wrote, unmasked by parsing them as a server does."""
    server = ServerProtocol(state=State.OPEN)
    for chunk in wire.written:
        server.receive_data(chunk)
    return [e for e in server.events_received() if isinstance(e, Frame)]


PAYLOAD_SIZES = st.one_of(
    st.integers(0, 300),
    st.sampled_from([125, 126, 127, 65535, 65536, 70000]),
)


@st.composite
def streams(draw: Any) -> tuple[list[bytes], list[bytes], list[bytes]]:
    """(wire bytes, expected messages, expected pong payloads)."""
    wire: list[bytes] = []
    messages: list[bytes] = []
    pongs: list[bytes] = []
    for i in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["text", "text", "text", "ping", "fragmented", "binary"]))
        size = draw(PAYLOAD_SIZES)
        body = (b"%d:" % i + b"x" * size)[: max(size, 1)]
        if kind == "text":
            wire.append(server_frame(Opcode.TEXT, body))
            messages.append(body)
        elif kind == "binary":
            wire.append(server_frame(Opcode.BINARY, body))
            messages.append(body)
        elif kind == "ping":
            payload = body[:125]
            wire.append(server_frame(Opcode.PING, payload))
            pongs.append(payload)
        else:
            cut = len(body) // 2
            wire.append(server_frame(Opcode.TEXT, body[:cut], fin=False))
            if draw(st.booleans()):  # a ping may come between fragments
                wire.append(server_frame(Opcode.PING, b"mid"))
                pongs.append(b"mid")
            wire.append(server_frame(Opcode.CONT, body[cut:], fin=True))
            messages.append(body)
    return wire, messages, pongs


@settings(max_examples=150, deadline=None)
@given(stream=streams(), data=st.data())
def test_any_chunking_gives_the_messages_and_pongs_of_the_stream(
    stream: tuple[list[bytes], list[bytes], list[bytes]], data: st.DataObject
) -> None:
    frames, messages, pongs = stream
    raw = b"".join(frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=20)))
    as_view = data.draw(st.booleans())

    async def run() -> None:
        conn, wire = open_connection()
        start = 0
        for cut in [*cuts, len(raw)]:
            chunk = raw[start:cut]
            conn.data_received(memoryview(bytearray(chunk)) if as_view else chunk)
            start = cut
        assert list(conn._messages) == messages
        sent = sent_frames(wire)
        assert [f.data for f in sent if f.opcode is Opcode.PONG] == pongs
        assert conn._ws.state is State.OPEN
        assert conn._fast  # back on the fast path once every frame is in

    asyncio.run(run())


async def test_a_frame_over_the_size_limit_fails_the_connection_with_1009() -> None:
    conn, wire = open_connection(max_size=1000)
    conn.data_received(server_frame(Opcode.TEXT, b"ok"))
    conn.data_received(server_frame(Opcode.TEXT, b"y" * 2000)[:600])
    assert list(conn._messages) == [b"ok"]
    assert conn._ws.state is State.CLOSING
    (close,) = sent_frames(wire)
    assert close.opcode is Opcode.CLOSE
    assert close.data[:2] == (1009).to_bytes(2, "big")


async def test_a_masked_frame_from_the_server_is_a_protocol_error() -> None:
    conn, wire = open_connection()
    masked = Frame(Opcode.TEXT, b"hidden").serialize(mask=True)
    conn.data_received(server_frame(Opcode.TEXT, b"a") + masked + server_frame(Opcode.TEXT, b"b"))
    assert list(conn._messages) == [b"a"]
    (close,) = sent_frames(wire)
    assert close.data[:2] == (1002).to_bytes(2, "big")


async def test_frames_after_the_server_close_frame_are_left_to_the_parser() -> None:
    conn, _ = open_connection()
    close = server_frame(Opcode.CLOSE, (1000).to_bytes(2, "big"))
    conn.data_received(server_frame(Opcode.TEXT, b"a") + close + server_frame(Opcode.TEXT, b"b"))
    assert list(conn._messages) == [b"a"]
    assert conn._ws.state is State.CLOSING
