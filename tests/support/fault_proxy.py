"""A fault-injecting TCP proxy for tests: the network misbehaving on cue.

Real networks fail in ways a server crash does not show: a NAT drops its
mapping and the socket stays "open" forever (half-open), a link slows to a
crawl, a middlebox resets the stream in the middle of a frame. ``FaultProxy``
sits between a client and a server on loopback and does each of these when the
test says so, so the client's detection (pings), reporting and reconnecting
can be tested against the real server without touching either side's code.

Faults (methods, effective at once for live connections and new ones):

- pass-through (default), ``resume()`` returns to it;
- ``cut()``: close both sides of every live connection (a FIN each way);
- ``stall()``: stop forwarding in both directions without closing anything
  (half-open); nothing is read, so TCP backpressure builds up as on a real
  dead link;
- ``delay(seconds)``: hold every chunk that long before forwarding it;
- ``throttle(bytes_per_s)``: forward at most that many bytes per second;
- ``reset_mid_frame()``: forward part of the next server-to-client chunk, then
  reset both sockets (``SO_LINGER`` 0, so the kernel sends RST, not FIN);
- ``refuse()``: accept new connections and close them at once (a server that is
  down but whose port answers).

Only loopback addresses are accepted (upstream and listen), buffers are bounded
by the chunk size and TCP flow control, and ``aclose()`` (or ``async with``)
cancels every task and aborts every socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import ssl
import struct
from dataclasses import dataclass, field
from types import TracebackType

__all__ = ["FaultProxy"]

CHUNK = 64 * 1024


def _require_loopback(host: str) -> None:
    if host == "localhost":
        return
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the fault proxy only works on loopback, not {host!r}")


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN: ``SO_LINGER`` on, timeout 0."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


@dataclass(eq=False)
class _Link:
    """One proxied connection: the client side, the upstream side, two pumps."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def close(self) -> None:
        for writer in (self.client, self.upstream):
            writer.close()

    def reset(self) -> None:
        _reset(self.client)
        _reset(self.upstream)


class FaultProxy:
    """``FaultProxy(upstream_port)``; ``await proxy.start()``; ``proxy.port``."""

    def __init__(
        self,
        upstream_port: int,
        *,
        upstream_host: str = "127.0.0.1",
        host: str = "127.0.0.1",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        _require_loopback(upstream_host)
        _require_loopback(host)
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.host = host
        #: With a server context, clients speak TLS to the proxy (``wss://``) and
        #: the proxy speaks plain TCP upstream: a TLS terminator in front of a server.
        self.tls = tls
        self.port = 0
        #: Connections accepted so far (a reconnecting client adds one per attempt).
        self.accepted = 0
        #: Bytes forwarded server -> client and client -> server.
        self.bytes_down = 0
        self.bytes_up = 0
        self._server: asyncio.Server | None = None
        self._links: set[_Link] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._delay = 0.0
        self._rate: float | None = None
        self._refusing = False
        self._reset_armed: int | None = None
        self._reset_done = asyncio.Event()

    # --- lifecycle -----------------------------------------------------------------

    async def start(self) -> FaultProxy:
        self._server = await asyncio.start_server(
            self._accept, self.host, 0, limit=CHUNK, ssl=self.tls
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        self._flowing.set()
        links = list(self._links)
        for link in links:
            link.close()
            for task in link.tasks:
                task.cancel()
        for link in links:
            await asyncio.gather(*link.tasks, return_exceptions=True)
        self._links.clear()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)
            self._server = None

    async def __aenter__(self) -> FaultProxy:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def url(self, scheme: str | None = None, path: str = "/parse") -> str:
        scheme = scheme or ("wss" if self.tls else "ws")
        return f"{scheme}://{self.host}:{self.port}{path}"

    @property
    def live_connections(self) -> int:
        return len(self._links)

    # --- faults --------------------------------------------------------------------

    def resume(self) -> None:
        """Back to pass-through: no stall, delay, throttle or refusal."""
        self._delay = 0.0
        self._rate = None
        self._refusing = False
        self._flowing.set()

    def cut(self) -> None:
        """Close every live connection, both sides (FIN)."""
        for link in list(self._links):
            link.close()

    def stall(self) -> None:
        """Stop forwarding without closing: a half-open link."""
        self._flowing.clear()

    def delay(self, seconds: float) -> None:
        self._delay = seconds

    def throttle(self, bytes_per_s: float) -> None:
        if bytes_per_s <= 0:
            raise ValueError("throttle rate must be positive")
        self._rate = bytes_per_s

    def refuse(self) -> None:
        """Accept new connections and close them at once; also cuts live ones."""
        self._refusing = True
        self.cut()

    def reset_mid_frame(self, min_chunk: int = 16) -> asyncio.Event:
        """Arm: the next server->client chunk of ``min_chunk`` bytes or more is cut short.

        Half of it is forwarded (so the client holds a partial frame), then both
        sockets are reset. Returns an event set once the reset happened.
        """
        self._reset_done = asyncio.Event()
        self._reset_armed = max(2, min_chunk)
        return self._reset_done

    # --- plumbing ------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        if self._refusing:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(self.upstream_host, self.upstream_port, limit=CHUNK), 5
            )
        except (OSError, TimeoutError):
            writer.transport.abort()
            return
        link = _Link(writer, up_writer)
        self._links.add(link)
        link.tasks = [
            asyncio.create_task(self._pump(link, reader, up_writer, downstream=False)),
            asyncio.create_task(self._pump(link, up_reader, writer, downstream=True)),
        ]
        try:
            await asyncio.gather(*link.tasks, return_exceptions=True)
        finally:
            link.close()
            self._links.discard(link)

    async def _pump(
        self,
        link: _Link,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        downstream: bool,
    ) -> None:
        try:
            while True:
                await self._flowing.wait()
                data = await reader.read(CHUNK)
                if not data:
                    break
                await self._flowing.wait()
                if self._delay:
                    await asyncio.sleep(self._delay)
                if downstream and self._reset_armed and len(data) >= self._reset_armed:
                    self._reset_armed = None
                    writer.write(data[: len(data) // 2])
                    with contextlib.suppress(OSError):
                        await writer.drain()
                    link.reset()
                    self._reset_done.set()
                    return
                await self._forward(data, writer, downstream=downstream)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            # One direction ended: end the other too (a proxy never keeps half a link).
            link.close()

    async def _forward(
        self, data: bytes, writer: asyncio.StreamWriter, *, downstream: bool
    ) -> None:
        view = memoryview(data)
        while view:
            rate = self._rate
            if rate is None:
                piece, view = view, view[len(view) :]
            else:
                size = max(1, int(rate / 20))
                piece, view = view[:size], view[size:]
            writer.write(piece)
            await writer.drain()
            if downstream:
                self.bytes_down += len(piece)
            else:
                self.bytes_up += len(piece)
            if rate is not None:
                await asyncio.sleep(len(piece) / rate)
