"""A hostile LiveQuery server speaking raw WebSocket, for peers no library would be.

A WebSocket library refuses to send an invalid frame, bad UTF-8 in a text
frame, or half an HTTP handshake, so this server does the RFC 6455 framing
itself on a bare asyncio stream: each test supplies a *script* (an async
function of one :class:`HostileConnection`) that decides what the client sees.
A background reader answers pings and collects the client's frames, unless
the script asks it to stop (then pings go unanswered, like a dead peer).

Loopback only; every connection is tracked and aborted on ``aclose()``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import struct
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import orjson

__all__ = ["HostileConnection", "HostileServer", "Script", "frame_bytes"]

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA
WAIT_S = 10.0


def frame_bytes(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0) -> bytes:
    """An unmasked server frame (any opcode and RSV bits, valid or not)."""
    first = (0x80 if fin else 0) | (rsv << 4) | opcode
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", first, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", first, 126, size)
    else:
        header = struct.pack("!BBQ", first, 127, size)
    return header + payload


def _unmask(mask: bytes, data: bytes) -> bytes:
    if not data:
        return data
    repeated = (mask * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(data), "big"
    )


class HostileConnection:
    """One client, as the script sees it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.frames: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.answer_pings = True
        self._reading: asyncio.Task[None] | None = None

    # --- handshake -----------------------------------------------------------------

    async def read_request(self) -> dict[str, str]:
        """Read the HTTP upgrade request; return its headers (lower-cased names)."""
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), WAIT_S)
        lines = head.decode("latin-1").split("\r\n")[1:]
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        return headers

    def response(self, headers: dict[str, str]) -> bytes:
        key = headers.get("sec-websocket-key", "").encode()
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
        return (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
        ).encode()

    async def upgrade(self) -> None:
        """Complete the WebSocket handshake and start reading the client's frames."""
        headers = await self.read_request()
        await self.send_raw(self.response(headers))
        self._reading = asyncio.create_task(self._read_frames())

    # --- the LiveQuery conversation ------------------------------------------------

    async def recv(self, op: str | None = None) -> dict[str, Any]:
        """The next JSON frame from the client (of ``op``, skipping others)."""
        while True:
            frame = await asyncio.wait_for(self.frames.get(), WAIT_S)
            if frame is None:
                raise ConnectionError("the client closed the connection")
            if op is None or frame.get("op") == op:
                return frame

    async def accept_connect(self) -> dict[str, Any]:
        connect = await self.recv("connect")
        await self.send_json({"op": "connected", "clientId": "hostile"})
        return connect

    async def accept_subscribe(self) -> int:
        frame = await self.recv("subscribe")
        request_id = int(frame["requestId"])
        await self.send_json({"op": "subscribed", "clientId": "hostile", "requestId": request_id})
        return request_id

    async def event(self, request_id: int, object_id: str, op: str = "create") -> None:
        await self.send_json(
            {
                "op": op,
                "clientId": "hostile",
                "requestId": request_id,
                "object": {"className": "Game", "objectId": object_id},
            }
        )

    # --- sending -------------------------------------------------------------------

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def send_frame(self, opcode: int, payload: bytes, **options: Any) -> None:
        await self.send_raw(frame_bytes(opcode, payload, **options))

    async def send_text(self, text: str | bytes) -> None:
        payload = text.encode() if isinstance(text, str) else text
        await self.send_frame(TEXT, payload)

    async def send_json(self, value: Any) -> None:
        await self.send_text(orjson.dumps(value))

    def abort(self) -> None:
        self.writer.transport.abort()

    async def hold(self) -> None:
        """Keep the connection open until the client closes it (or the server stops)."""
        if self._reading is not None:
            await asyncio.wait([self._reading])

    # --- reading -------------------------------------------------------------------

    async def _read_frames(self) -> None:
        try:
            while True:
                head = await self.reader.readexactly(2)
                opcode, size = head[0] & 0x0F, head[1] & 0x7F
                if size == 126:
                    (size,) = struct.unpack("!H", await self.reader.readexactly(2))
                elif size == 127:
                    (size,) = struct.unpack("!Q", await self.reader.readexactly(8))
                mask = await self.reader.readexactly(4) if head[1] & 0x80 else b"\0\0\0\0"
                payload = _unmask(mask, await self.reader.readexactly(size))
                if opcode == PING and self.answer_pings:
                    await self.send_frame(PONG, payload)
                elif opcode == CLOSE:
                    with contextlib.suppress(OSError):
                        await self.send_frame(CLOSE, payload[:2])
                    break
                elif opcode == TEXT:
                    self.frames.put_nowait(orjson.loads(payload))
        except (OSError, asyncio.IncompleteReadError, orjson.JSONDecodeError):
            pass
        finally:
            self.frames.put_nowait(None)
            self.writer.close()

    async def stop(self) -> None:
        if self._reading is not None:
            self._reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reading
        self.abort()


Script = Callable[[HostileConnection], Awaitable[None]]


class HostileServer:
    """``async with HostileServer(script) as server``: ``server.url``, ``server.connections``."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.port = 0
        self.connections = 0
        self.failures: list[BaseException] = []
        self._server: asyncio.Server | None = None
        self._live: set[HostileConnection] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/parse"

    async def __aenter__(self) -> HostileServer:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        self._server.close()
        for conn in list(self._live):
            await conn.stop()
        if self._tasks:
            _, stuck = await asyncio.wait(list(self._tasks), timeout=5)
            for task in stuck:
                task.cancel()
            await asyncio.gather(*stuck, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), 5)

    async def wait_connections(self, count: int, within: float = WAIT_S) -> None:
        async def reached() -> None:
            while self.connections < count:
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(reached(), within)
        except TimeoutError:
            raise AssertionError(
                f"only {self.connections} of {count} connections within {within} s"
            ) from None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        self._changed.set()
        conn = HostileConnection(reader, writer)
        self._live.add(conn)
        try:
            await self.script(conn)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client went away: that is its right
        except asyncio.CancelledError:
            pass  # the server is shutting down
        except Exception as exc:  # a broken script must fail the test, not vanish
            self.failures.append(exc)
        finally:
            self._live.discard(conn)
            self._tasks.discard(task)
            with contextlib.suppress(asyncio.CancelledError):
                await conn.stop()
