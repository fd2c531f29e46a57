"""An in-memory socket pair: run the client with no network at all.

``memory_connector(serve)`` is a ``Connector``: each connection attempt makes
a pair of ``MemoryTransport`` ends, starts ``serve(server_end)`` as a task
(a scripted Parse, a recorder, a replay of captured frames) and hands the
other end to the client. It exercises everything above the socket, the
protocol, subscriptions, reconnects, exactly as the WebSocket transport does,
which is what unit tests and embedders without a server want (httpx's
``MockTransport`` plays the same part).

Closing either end ends the other's ``recv`` with a clean close (code 1000),
the way a WebSocket close handshake does; ``abort()`` ends it as a lost
connection (no close frame), so reconnect paths can be driven too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from websockets.exceptions import ConnectionClosedError, ConnectionClosedOK
from websockets.frames import Close

from livequery_cli.client.transports.interface import Connector

__all__ = ["MemoryTransport", "memory_connector", "memory_pair"]

_END = object()
_LOST = object()


class MemoryTransport:
    """One end of an in-memory socket; what it sends, the other end receives."""

    def __init__(self) -> None:
        self._inbox: asyncio.Queue[object] = asyncio.Queue()
        self.peer: MemoryTransport | None = None
        self.closed = False

    async def send(self, message: str) -> None:
        if self.closed or self.peer is None or self.peer.closed:
            raise ConnectionClosedOK(Close(1000, ""), Close(1000, ""), rcvd_then_sent=True)
        self.peer._inbox.put_nowait(message)

    async def recv(self) -> str | bytes:
        item = await self._inbox.get()
        if item is _END:
            self.closed = True
            raise ConnectionClosedOK(Close(1000, ""), Close(1000, ""), rcvd_then_sent=True)
        if item is _LOST:
            self.closed = True
            raise ConnectionClosedError(None, None)
        assert isinstance(item, str | bytes)
        return item

    async def close(self) -> None:
        """Close both ends cleanly (the other end's ``recv`` sees code 1000)."""
        self._end(_END)

    def abort(self) -> None:
        """Drop the connection without a close frame (the other end sees a lost link)."""
        self._end(_LOST)

    def _end(self, how: object) -> None:
        if self.closed:
            return
        self.closed = True
        self._inbox.put_nowait(how)
        if self.peer is not None and not self.peer.closed:
            self.peer._inbox.put_nowait(how)


def memory_pair() -> tuple[MemoryTransport, MemoryTransport]:
    """Two connected ends: ``(client_end, server_end)``."""
    client, server = MemoryTransport(), MemoryTransport()
    client.peer, server.peer = server, client
    return client, server


def memory_connector(serve: Callable[[MemoryTransport], Awaitable[None]]) -> Connector:
    """A connector whose every connection is served in-process by ``serve(server_end)``."""
    tasks: set[asyncio.Task[None]] = set()

    async def connect(url: str) -> MemoryTransport:
        client, server = memory_pair()

        async def run() -> None:
            try:
                await serve(server)
            finally:
                await server.close()

        task = asyncio.ensure_future(run())
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return client

    return connect
