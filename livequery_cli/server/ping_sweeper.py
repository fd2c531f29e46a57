"""One periodic sweep pings the LiveQuery connections that have gone silent.

Why not aiohttp's ``heartbeat``: it keeps timers per connection (the next
ping, the pong deadline, a reset after every received chunk) and a task per
ping, and it pings every connection every interval, busy or not. With
thousands of idle clients that bookkeeping was most of an idle server's CPU.

Here one timer fires every ``interval`` seconds and walks the connections
registered on its event loop:

- a connection that sent anything (a frame, a ping, a pong) since the
  previous sweep is alive: it is left alone, so an active client is never
  pinged;
- a connection silent for a whole interval gets one ping;
- a connection still silent at the next sweep after its ping is dropped
  (its transport aborted, as a half-open peer cannot finish a close
  handshake).

So an idle client that answers is pinged every ``2 x interval``, and a peer
that vanished is dropped between ``2 x interval`` and ``3 x interval`` after
the last frame it sent. Marking a connection alive costs one attribute store
per received frame; no timer is created or moved per frame or per ping, and
sending a ping never waits (a ping stuck behind a slow reader's backlog must
not hold up the sweep of every other connection).

There is one sweeper per (event loop, interval); its timer runs while it has
connections and is cancelled when the last one leaves, so a stopped server
leaves nothing scheduled.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Protocol

from aiohttp import web

log = logging.getLogger("livequery_cli.server")


class Pingable(Protocol):
    """What the sweeper needs of a connection."""

    heard: bool  # set by the connection on every frame it receives
    awaiting_pong: bool  # set by the sweeper when it pings

    def ping(self) -> None:
        """Queue a ping frame without waiting."""

    def drop(self) -> None:
        """Abort the connection (its reader then cleans it up)."""


# A whole WebSocket ping frame from a server (FIN, opcode 9, unmasked, no payload).
_PING_FRAME = b"\x89\x00"


class SweptSocket:
    """The liveness half of a LiveQuery connection: a ``Pingable`` over an aiohttp socket.

    The connection sets ``transport`` once the WebSocket is open and
    ``heard`` on every frame it receives. Slots, not an instance dict: there
    is one of these per connected client.
    """

    __slots__ = ("awaiting_pong", "heard", "transport", "ws")

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.heard = True
        self.awaiting_pong = False
        self.transport: asyncio.Transport | None = None

    def ping(self) -> None:
        """Write a ping frame straight to the socket: it never waits on a slow reader.

        Safe between aiohttp's own frames: without compression aiohttp writes
        each frame whole, synchronously, so no frame is ever half written when
        this runs.
        """
        transport = self.transport
        if transport is not None and not transport.is_closing() and not self.ws.closed:
            transport.write(_PING_FRAME)  # never after our close frame

    def drop(self) -> None:
        """No answer to a ping: abort the socket (a half-open peer cannot finish a close)."""
        log.debug("a LiveQuery client did not answer a ping; dropping it")
        if self.transport is not None:
            self.transport.abort()


class PingSweeper:
    """The connections of one event loop that share one ping interval."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.connections: set[Pingable] = set()
        self.pings_sent = 0
        self.dropped = 0
        self._timer: asyncio.TimerHandle | None = None

    def add(self, connection: Pingable) -> None:
        connection.heard = True
        connection.awaiting_pong = False
        self.connections.add(connection)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.interval, self._tick)

    def discard(self, connection: Pingable) -> None:
        self.connections.discard(connection)
        if not self.connections and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tick(self) -> None:
        self._timer = None
        try:
            self.sweep()
        finally:
            if self.connections:
                loop = asyncio.get_running_loop()
                self._timer = loop.call_later(self.interval, self._tick)

    def sweep(self) -> None:
        """One pass: forget the busy, ping the newly silent, drop the unanswering."""
        to_ping: list[Pingable] = []
        to_drop: list[Pingable] = []
        for connection in self.connections:
            if connection.heard:
                connection.heard = False
                connection.awaiting_pong = False
            elif connection.awaiting_pong:
                to_drop.append(connection)
            else:
                to_ping.append(connection)
        for connection in to_drop:
            self.dropped += 1
            self.connections.discard(connection)
            connection.drop()
        for connection in to_ping:
            connection.awaiting_pong = True
            self.pings_sent += 1
            try:
                connection.ping()
            except Exception:  # a socket that broke meanwhile: its reader ends it
                log.debug("a LiveQuery ping could not be sent", exc_info=True)


_SWEEPERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[float, PingSweeper]] = (
    weakref.WeakKeyDictionary()
)


def sweeper_for(interval: float) -> PingSweeper:
    """The running loop's sweeper for ``interval`` (created on first use)."""
    loop = asyncio.get_running_loop()
    by_interval = _SWEEPERS.get(loop)
    if by_interval is None:
        by_interval = _SWEEPERS[loop] = {}
    sweeper = by_interval.get(interval)
    if sweeper is None:
        sweeper = by_interval[interval] = PingSweeper(interval)
    return sweeper


def enroll(connection: Pingable, interval: float | None) -> PingSweeper | None:
    """Put ``connection`` under the loop's sweeper; None when pings are off (no interval).

    The caller discards it from the returned sweeper when the connection ends
    (a plain call, not a context manager: its generator cost ~0.5 KB per
    connection for as long as the connection lived).
    """
    if interval is None or interval <= 0:
        return None
    sweeper = sweeper_for(interval)
    sweeper.add(connection)
    return sweeper
