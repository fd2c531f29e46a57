"""``WebSocketConnection``: a WebSocket client socket built for event streams.

``websockets``' asyncio connection hands over one message per ``recv()``: a
future, a queue hop and a task wake-up for every frame, which at tens of
thousands of events per second costs more than decoding them. This module
drives ``websockets``' own sans-I/O ``ClientProtocol`` from an
``asyncio.Protocol`` instead, the layering that library is designed for:
``data_received`` feeds the bytes, collects *every* complete message of that
chunk, and ``recv_batch()`` hands them over as one list, so the reader wakes
once per TCP chunk rather than once per frame.

Unfragmented text frames, nearly all of an event stream, skip even the
sans-I/O parser: a server's frames are unmasked, so such a frame is two to
ten header bytes and its payload, and ``_split_frames`` slices the payloads
out of the read buffer in one loop. Every other frame (control frames,
fragments, anything malformed or too big) goes to ``websockets``' parser as
a complete frame, in order, so its state (pings answered, close handshake,
fragment assembly, limits) is exactly what it would be had it seen them all.
The shortcut is taken only while the connection is open and that parser is
between frames.

The rest is what the default ``websockets`` connection did and the client
relies on:

- TLS through ``loop.create_connection(ssl=...)`` for ``wss://`` URLs.
- Keepalive pings: a peer that does not answer within ``ping_timeout`` is a
  dead peer (half-open socket); the connection fails with close code 1011
  ``keepalive ping timeout``.
- Backpressure: when more than ``max_pending`` messages wait for the reader,
  the socket stops being read until ``recv_batch()``/``recv()`` drains them,
  so a slow consumer slows the sender down instead of growing memory.
- The closing handshake: ``close()`` sends a close frame and waits up to
  ``close_timeout`` for the server to end the TCP connection.

``recv()``/``recv_batch()`` raise ``websockets``' ``ConnectionClosedOK`` after
a clean closing handshake and ``ConnectionClosedError`` otherwise, like the
library's own connections, so ``livequery_cli.client.transports.interface`` reports both alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import ssl as ssl_module
from collections import deque

from websockets.client import ClientProtocol
from websockets.exceptions import ConnectionClosed, ConnectionClosedError
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from livequery_cli.client.transports.frame_log import FRAME_LOGGER

__all__ = ["WebSocketConnection", "open_websocket"]

_TEXT = Opcode.TEXT
_BINARY = Opcode.BINARY
_CONT = Opcode.CONT
_PONG = Opcode.PONG
_SEND_EOF = b""
_READ_SIZE = 64 * 1024


class WebSocketConnection(asyncio.BufferedProtocol):
    """One client WebSocket; ``open_websocket`` makes and opens it."""

    def __init__(
        self,
        ws: ClientProtocol,
        *,
        ping_interval: float | None,
        ping_timeout: float | None,
        close_timeout: float | None,
        max_pending: int = 1024,
    ) -> None:
        self._ws = ws
        self._ping_interval = ping_interval
        self._ping_timeout = ping_timeout
        self._close_timeout = close_timeout
        self._max_pending = max(1, max_pending)
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        # One reusable read buffer: reads of at most 64 KiB keep batches (and
        # the memory a burst holds at once) small without costing wake-ups.
        self._read_buffer = bytearray(_READ_SIZE)
        self._read_view = memoryview(self._read_buffer)
        self._messages: deque[bytes] = deque()
        # Bytes of a frame that is not complete yet (fast path only).
        self._partial = bytearray()
        self._fast = False
        max_size = ws.max_message_size
        self._max_size = max_size if max_size is not None else 2**63
        self._fragments: list[bytes] = []
        self._waiter: asyncio.Future[None] | None = None
        self._handshake: asyncio.Future[None] = self._loop.create_future()
        self._lost: asyncio.Future[None] = self._loop.create_future()
        self._reading_paused = False
        self._writing_paused = False
        self._drain: asyncio.Future[None] | None = None
        self._ping_payload: bytes | None = None
        self._ping_timer: asyncio.TimerHandle | None = None
        self._close_timer: asyncio.TimerHandle | None = None

    # --- the Transport interface (``livequery_cli.client.transports.interface.Transport``) -------

    async def recv(self) -> bytes:
        """The next message (text frames as UTF-8 bytes)."""
        while not self._messages:
            await self._wait_data()
        message = self._messages.popleft()
        if self._reading_paused and len(self._messages) < self._max_pending // 2:
            self._resume_reading()
        return message

    async def recv_batch(self) -> list[bytes]:
        """Every message received so far, in order (at least one): one wake-up per chunk."""
        while not self._messages:
            await self._wait_data()
        batch = list(self._messages)
        self._messages.clear()
        if self._reading_paused:
            self._resume_reading()
        return batch

    async def send(self, message: str) -> None:
        if self._ws.state is not State.OPEN:
            raise self._closed_error()
        self._ws.send_text(message.encode())
        self._write_pending()
        if self._writing_paused:
            if self._drain is None:
                self._drain = self._loop.create_future()
            await asyncio.shield(self._drain)

    async def close(self) -> None:
        """The closing handshake, bounded by ``close_timeout``; idempotent."""
        transport = self._transport
        if transport is None:
            return
        if self._reading_paused:
            self._resume_reading()  # the server's close frame must be read
        if self._ws.state is State.OPEN:
            self._ws.send_close(CloseCode.NORMAL_CLOSURE)
            self._write_pending()
            self._expect_close()
        elif not self._lost.done() and self._close_timer is None:
            transport.close()
        await asyncio.shield(self._lost)

    # --- asyncio.Protocol -------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        request = self._ws.connect()
        request.headers["User-Agent"] = "livequery-cli"
        self._ws.send_request(request)
        self._write_pending()

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._read_view

    def buffer_updated(self, nbytes: int) -> None:
        # A view, not a copy: the fast path copies out only the payloads.
        self.data_received(self._read_view[:nbytes])

    def data_received(self, data: bytes | bytearray | memoryview) -> None:
        if self._fast:
            self._split_frames(data)
        else:
            self._parse(data)
        messages = self._messages
        if messages:
            waiter = self._waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)
            if not self._reading_paused and len(messages) >= self._max_pending:
                self._reading_paused = True
                if self._transport is not None:
                    self._transport.pause_reading()

    def _split_frames(self, data: bytes | bytearray | memoryview) -> None:
        """Slice out unfragmented text frames; hand any other frame to ``_parse``."""
        partial = self._partial
        if partial:
            partial += data
            buf = memoryview(partial)
        else:
            buf = data if isinstance(data, memoryview) else memoryview(data)
        append = self._messages.append
        max_size = self._max_size
        end = len(buf)
        pos = 0
        while end - pos >= 2:
            head = buf[pos + 1]
            length = head & 0x7F
            start = pos + 2
            if length == 126:
                start = pos + 4
                if start > end:
                    break
                length = int.from_bytes(buf[pos + 2 : start], "big")
            elif length == 127:
                start = pos + 10
                if start > end:
                    break
                length = int.from_bytes(buf[pos + 2 : start], "big")
            if head & 0x80:
                start += 4  # masked: a protocol error, which the parser reports
            if length > max_size:
                # The parser fails the connection with 1009 from the header alone.
                self._fast = False
                self._parse(buf[pos:])
                pos = end
                break
            stop = start + length
            if stop > end:
                break
            if buf[pos] == 0x81 and not head & 0x80:  # FIN + text, unmasked
                append(bytes(buf[start:stop]))
            else:
                self._fast = False
                self._parse(buf[pos:stop])
                if not self._fast:
                    self._parse(buf[stop:])
                    pos = end
                    break
            pos = stop
        if pos == 0 and partial:
            buf.release()  # still one incomplete frame: keep growing it in place
            return
        rest = bytearray(buf[pos:]) if pos < end else bytearray()
        buf.release()
        self._partial = rest

    def _parse(self, data: bytes | bytearray | memoryview) -> None:
        """Feed ``websockets``' parser and take its events."""
        ws = self._ws
        ws.receive_data(bytes(data) if isinstance(data, memoryview) else data)
        messages = self._messages
        for event in ws.events_received():
            if type(event) is Frame:
                opcode = event.opcode
                payload = bytes(event.data)
                if opcode is _TEXT or opcode is _BINARY:
                    if event.fin:
                        messages.append(payload)
                    else:
                        self._fragments = [payload]
                elif opcode is _CONT:
                    self._fragments.append(payload)
                    if event.fin:
                        messages.append(b"".join(self._fragments))
                        self._fragments = []
                elif opcode is _PONG:
                    self._pong(payload)
            elif isinstance(event, Response):
                self._handshake_done()
        if ws.handshake_exc is not None:  # a reply that is not HTTP yields no Response
            self._handshake_done()
        self._write_pending()
        if ws.close_expected():
            self._expect_close()
        self._fast = (
            ws.state is State.OPEN
            and ws.current_size is None
            and not ws.reader.buffer
            and not self._fragments
        )

    def eof_received(self) -> bool | None:
        self._ws.receive_eof()
        self._write_pending()
        return None  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        with contextlib.suppress(Exception):
            self._ws.receive_eof()  # idempotent; records an abnormal closure
        self._ws.state = State.CLOSED
        self._transport = None
        for timer in (self._ping_timer, self._close_timer):
            if timer is not None:
                timer.cancel()
        if not self._handshake.done():
            self._handshake.set_exception(
                exc or ConnectionError("connection closed during the opening handshake")
            )
            self._handshake.exception()  # retrieved: open_websocket re-raises it
        if not self._lost.done():
            self._lost.set_result(None)
        for future in (self._waiter, self._drain):
            if future is not None and not future.done():
                future.set_result(None)

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        drain, self._drain = self._drain, None
        if drain is not None and not drain.done():
            drain.set_result(None)

    # --- internals ----------------------------------------------------------------

    async def wait_open(self) -> None:
        """Resolve once the server accepted the upgrade; raise what refused it."""
        await self._handshake

    def _handshake_done(self) -> None:
        if self._handshake.done():
            return
        error = self._ws.handshake_exc
        if error is not None:
            self._handshake.set_exception(error)
            if self._transport is not None:
                self._transport.abort()
            return
        self._handshake.set_result(None)
        self._schedule_ping()

    async def _wait_data(self) -> None:
        if self._lost.done():
            raise self._closed_error()
        self._waiter = self._loop.create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _closed_error(self) -> ConnectionClosed:
        if self._ws.state is State.CLOSED:
            return self._ws.close_exc
        return ConnectionClosedError(None, None)

    def _write_pending(self) -> None:
        transport = self._transport
        for data in self._ws.data_to_send():
            if transport is None or transport.is_closing():
                return
            if data is _SEND_EOF or data == _SEND_EOF:
                if transport.can_write_eof():
                    transport.write_eof()
                else:
                    transport.close()
            else:
                transport.write(data)

    def _resume_reading(self) -> None:
        self._reading_paused = False
        if self._transport is not None and not self._transport.is_closing():
            self._transport.resume_reading()

    def _expect_close(self) -> None:
        """The server should end TCP now; abort if it has not within ``close_timeout``."""
        if self._close_timer is not None or self._transport is None:
            return
        timeout = 10.0 if self._close_timeout is None else self._close_timeout
        self._close_timer = self._loop.call_later(timeout, self._abort)

    def _abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    # --- keepalive ------------------------------------------------------------------

    def _schedule_ping(self) -> None:
        if self._ping_interval is not None and self._transport is not None:
            self._ping_timer = self._loop.call_later(self._ping_interval, self._send_ping)

    def _send_ping(self) -> None:
        if self._ws.state is not State.OPEN:
            return
        self._ping_payload = os.urandom(4)
        self._ws.send_ping(self._ping_payload)
        self._write_pending()
        if self._ping_timeout is None:
            self._ping_payload = None
            self._schedule_ping()
        else:
            self._ping_timer = self._loop.call_later(self._ping_timeout, self._ping_expired)

    def _pong(self, payload: bytes) -> None:
        if self._ping_payload is not None and payload == self._ping_payload:
            self._ping_payload = None
            if self._ping_timer is not None:
                self._ping_timer.cancel()
            self._schedule_ping()

    def _ping_expired(self) -> None:
        """No pong: the peer is gone. Say why in a close frame, then drop the socket."""
        if self._ws.state is State.OPEN:
            self._ws.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
            self._write_pending()
        self._abort()


async def open_websocket(
    url: str,
    *,
    ssl: ssl_module.SSLContext | None = None,
    ping_interval: float | None = 20.0,
    ping_timeout: float | None = 20.0,
    close_timeout: float | None = 10.0,
    open_timeout: float | None = 10.0,
    max_size: int | None = 2**24,
    max_pending: int = 1024,
    proxy: str | None = None,
) -> WebSocketConnection:
    """Connect and complete the opening handshake within ``open_timeout``.

    ``ssl`` applies to ``wss://`` URLs only (default: the system's trust store).
    ``proxy`` (an ``http://`` proxy URL) carries the connection through a
    ``CONNECT`` tunnel; TLS is then negotiated with the server through it.
    """
    uri = parse_uri(url)
    loop = asyncio.get_running_loop()
    context: ssl_module.SSLContext | None = None
    if uri.secure:
        context = ssl if ssl is not None else ssl_module.create_default_context()

    def factory() -> WebSocketConnection:
        return WebSocketConnection(
            ClientProtocol(uri, max_size=max_size, logger=FRAME_LOGGER),
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            max_pending=max_pending,
        )

    connection: WebSocketConnection | None = None
    try:
        async with asyncio.timeout(open_timeout):
            if proxy is None:
                _, connection = await loop.create_connection(
                    factory, uri.host, uri.port, ssl=context
                )
            else:
                from livequery_cli.client.transports.proxy import open_tunnel

                tunnel = await open_tunnel(proxy, uri.host, uri.port)
                _, connection = await loop.create_connection(
                    factory,
                    sock=tunnel,
                    ssl=context,
                    server_hostname=uri.host if context is not None else None,
                )
            await connection.wait_open()
    except TimeoutError:
        if connection is not None:
            connection._abort()
        raise TimeoutError("timed out during the opening handshake") from None
    except BaseException:
        if connection is not None:
            connection._abort()
        raise
    return connection
