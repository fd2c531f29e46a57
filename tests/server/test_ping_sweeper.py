"""Pings from one sweep: silent connections only, unanswering ones dropped within a bound.

The rule (``livequery_cli.server.ping_sweeper``), with ``interval`` the
server's ``ping_interval``: a connection that sent nothing for a whole
interval gets a ping; still silent at the next sweep, it is dropped. A peer
that vanished is gone within ``3 x interval`` of its last frame, and a client
that keeps talking is never pinged.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest
from support.lq_harness import APP_ID, JS_KEY, make_config

from livequery_cli.server.app import EmbeddedServer
from livequery_cli.server.ping_sweeper import PingSweeper

INTERVAL = 0.3
# The documented bound, plus scheduling slack for a loaded 2-core machine.
DROP_BOUND_S = 3 * INTERVAL + 1.0


class FakeConnection:
    def __init__(self) -> None:
        self.heard = False
        self.awaiting_pong = False
        self.pings = 0
        self.dropped = False

    def ping(self) -> None:
        self.pings += 1

    def drop(self) -> None:
        self.dropped = True


async def test_sweep_pings_the_silent_spares_the_busy_and_drops_the_unanswering() -> None:
    sweeper = PingSweeper(3600)
    busy, idle_ok, dead = FakeConnection(), FakeConnection(), FakeConnection()
    for conn in (busy, idle_ok, dead):
        sweeper.add(conn)  # a new connection counts as heard
    sweeper.sweep()  # first sweep: everyone was heard (connected)
    assert (busy.pings, idle_ok.pings, dead.pings) == (0, 0, 0)
    busy.heard = True
    sweeper.sweep()  # idle_ok and dead have been silent a whole interval
    assert (busy.pings, idle_ok.pings, dead.pings) == (0, 1, 1)
    busy.heard = idle_ok.heard = True  # idle_ok answers its ping; dead does not
    sweeper.sweep()
    assert dead.dropped
    assert not idle_ok.dropped
    assert not busy.dropped
    assert dead not in sweeper.connections
    assert (busy.pings, idle_ok.pings) == (0, 1)
    busy.heard = True
    sweeper.sweep()  # idle_ok silent again after its pong: pinged every 2 intervals
    assert (busy.pings, idle_ok.pings) == (0, 2)
    assert (sweeper.pings_sent, sweeper.dropped) == (3, 1)


async def test_the_sweep_timer_stops_with_the_last_connection() -> None:
    sweeper = PingSweeper(3600)
    a, b = FakeConnection(), FakeConnection()
    sweeper.add(a)
    sweeper.add(b)
    assert sweeper._timer is not None
    sweeper.discard(a)
    assert sweeper._timer is not None
    sweeper.discard(b)
    assert sweeper._timer is None


@pytest.fixture
async def server() -> AsyncIterator[EmbeddedServer]:
    embedded = EmbeddedServer(make_config(ping_interval=INTERVAL))
    await embedded.start()
    try:
        yield embedded
    finally:
        await embedded.stop()


async def _connect(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_str(
        orjson.dumps({"op": "connect", "applicationId": APP_ID, "javascriptKey": JS_KEY}).decode()
    )
    reply = await ws.receive(timeout=5)
    assert reply.type == aiohttp.WSMsgType.TEXT
    assert '"connected"' in reply.data


async def _no_ping_within(ws: aiohttp.ClientWebSocketResponse, seconds: float) -> None:
    """Read for ``seconds``: answers and pongs may arrive, a ping must not."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            message = await ws.receive(timeout=left)
        except TimeoutError:
            return
        assert message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.PONG), message


async def test_a_client_that_stops_answering_pings_is_dropped_within_the_bound(
    server: EmbeddedServer,
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.live_query_url, autoping=False) as ws,
    ):
        await _connect(ws)
        await ws.send_str(
            '{"op": "subscribe", "requestId": 1, "query": {"className": "Game", "where": {}}}'
        )
        reply = await ws.receive(timeout=5)
        assert '"subscribed"' in reply.data
        last_frame_sent = time.monotonic()
        kinds = []
        while True:
            message = await ws.receive(timeout=DROP_BOUND_S + 2)
            kinds.append(message.type)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                break
        dropped_after = time.monotonic() - last_frame_sent
    assert kinds[0] == aiohttp.WSMsgType.PING  # asked first, then dropped
    assert dropped_after <= DROP_BOUND_S, dropped_after
    # Not before it had been silent a whole interval and then ignored a ping.
    assert dropped_after >= INTERVAL
    # Its subscription went with it.
    deadline = time.monotonic() + 5
    while server.hub.sinks or server.hub.groups:
        assert time.monotonic() < deadline, "the dropped client's subscription is still held"
        await asyncio.sleep(0.01)


async def test_a_client_that_keeps_talking_is_never_pinged() -> None:
    # A longer interval than the other tests: the client and the server share this
    # test's event loop, and a stall of a whole interval on a loaded machine would
    # let the sweep run before the frames that arrived meanwhile were read.
    interval = 1.0
    server = EmbeddedServer(make_config(ping_interval=interval))
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(server.live_query_url, autoping=False) as ws,
        ):
            await _connect(ws)
            frames = 0
            started = time.monotonic()
            # Four intervals, a frame every quarter of one: alternately a WebSocket ping
            # and a LiveQuery frame (an unsubscribe of nothing, answered with error 2).
            while time.monotonic() - started < 4 * interval:
                if frames % 2:
                    await ws.ping()
                else:
                    await ws.send_str('{"op": "unsubscribe", "requestId": 99}')
                frames += 1
                await _no_ping_within(ws, interval / 4)
            assert not ws.closed
    finally:
        await server.stop()


async def test_an_idle_client_that_answers_is_pinged_every_two_intervals_and_kept(
    server: EmbeddedServer,
) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(server.live_query_url, autoping=False) as ws,
    ):
        await _connect(ws)
        pings = 0
        started = time.monotonic()
        while time.monotonic() - started < 8 * INTERVAL:
            try:
                message = await ws.receive(timeout=INTERVAL)
            except TimeoutError:
                continue
            assert message.type == aiohttp.WSMsgType.PING, message
            pings += 1
            await ws.pong(message.data)
        elapsed = time.monotonic() - started
        assert not ws.closed
    # One ping per two intervals (and at least one): never one per interval.
    assert 1 <= pings <= elapsed / (2 * INTERVAL) + 1, (pings, elapsed)
