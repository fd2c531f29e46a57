"""``LiveQueryClient`` through the fault proxy, against Parse Server and ``lq serve``.

Each test breaks the link in one way and checks the whole recovery: the fault
is noticed within a bound (pings for the silent ones), reported (``error`` and
``close``), retried with backoff (deterministic delays here, so the number of
attempts can be checked: a client that spins would make many more), the
subscription is restored, and events written after recovery arrive.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from support.fault_proxy import FaultProxy
from support.targets import SERVER_PARAMS, Server, create, server_for, ws_path
from support.watch import Watch

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.exceptions import TransportError

PING_S = 0.5
# A dead link must be noticed within ping interval + ping timeout + close
# timeout, plus scheduling slack on a loaded 2-core machine.
DETECT_S = 3 * PING_S + 3.5
# rng=1: the delays are exactly base * (2**k - 1) capped at max_delay.
POLICY = ReconnectPolicy(base=0.1, max_delay=0.5, rng=lambda: 1.0)
CLASS = "Game"


@pytest.fixture(params=SERVER_PARAMS)
def server(request: pytest.FixtureRequest) -> Server:
    return server_for(request)


@pytest.fixture
async def proxy(server: Server) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(server.port) as running:
        yield running


def make_client(server: Server, proxy: FaultProxy, **options: Any) -> LiveQueryClient:
    settings: dict[str, Any] = {
        "reconnect": POLICY,
        "ping_interval": PING_S,
        "ping_timeout": PING_S,
        "close_timeout": PING_S,
        "open_timeout": 2.0,
        **options,
    }
    return LiveQueryClient(
        server.app_id,
        proxy.url(path=ws_path(server)),
        javascript_key=server.js_key,
        **settings,
    )


class Tail:
    """A client with one subscription on ``tag``, every event recorded."""

    def __init__(self, server: Server, proxy: FaultProxy, tag: str, **options: Any) -> None:
        self.server = server
        self.proxy = proxy
        self.tag = tag
        self.client = make_client(server, proxy, **options)
        self.watch = Watch().listen(self.client, "open", "close", "error", "reconnect")

    async def start(self) -> Tail:
        sub = await asyncio.wait_for(
            self.client.subscribe({"className": CLASS, "where": {"tag": self.tag}}), 15
        )
        self.watch.listen(sub, "open", "create", "close", "error", prefix="sub.")
        self.sub = sub
        return self

    async def write_and_receive(self, **fields: Any) -> dict[str, Any]:
        """Create an object on the tag; wait for its ``create`` event."""
        seen = self.watch.count("sub.create")
        created = await create(self.server, CLASS, {"tag": self.tag, **fields})
        await self.watch.wait("sub.create", seen + 1)
        obj: dict[str, Any] = self.watch.args("sub.create")[seen][0]
        assert obj["objectId"] == created["objectId"]
        return obj

    async def recovered(self, opens_before: int) -> None:
        """The subscription was confirmed again, and a new write arrives."""
        await self.watch.wait("sub.open", opens_before + 1)
        await self.write_and_receive(after="recovery")

    async def close(self) -> None:
        await asyncio.wait_for(self.client.close(), 10)


@pytest.fixture
async def tail(server: Server, proxy: FaultProxy, unique_tag: str) -> AsyncIterator[Tail]:
    running = await Tail(server, proxy, unique_tag).start()
    await running.write_and_receive(before="fault")
    yield running
    await running.close()


async def _detected(tail: Tail, began: float, closes_before: int) -> float:
    at = await tail.watch.wait("close", closes_before + 1, within=DETECT_S + 10)
    took = at - began
    assert took <= DETECT_S, f"fault noticed after {took:.1f} s (bound {DETECT_S} s)"
    assert any(isinstance(args[0], TransportError) for args in tail.watch.args("error")), (
        "the lost connection was never reported as an error"
    )
    return took


async def test_a_cut_is_reported_and_the_subscription_resumes(
    tail: Tail, proxy: FaultProxy
) -> None:
    opens = tail.watch.count("sub.open")
    began = time.monotonic()
    proxy.cut()
    await _detected(tail, began, 0)
    await tail.recovered(opens)
    assert tail.watch.count("reconnect") == 1


async def test_a_half_open_link_is_detected_by_pings(tail: Tail, proxy: FaultProxy) -> None:
    opens = tail.watch.count("sub.open")
    began = time.monotonic()
    proxy.stall()
    await _detected(tail, began, 0)
    proxy.resume()
    await tail.recovered(opens)


async def test_a_reset_in_the_middle_of_a_frame_is_recovered(
    tail: Tail, proxy: FaultProxy, server: Server
) -> None:
    opens = tail.watch.count("sub.open")
    reset = proxy.reset_mid_frame(min_chunk=1000)
    began = time.monotonic()
    await create(server, CLASS, {"tag": tail.tag, "blob": "x" * 5000})
    await asyncio.wait_for(reset.wait(), 10)
    await _detected(tail, began, 0)
    await tail.recovered(opens)
    # The half-delivered event was never surfaced as a (corrupt) event.
    assert all("blob" not in args[0] for args in tail.watch.args("sub.create"))


async def test_a_short_delay_is_tolerated_without_reconnecting(
    tail: Tail, proxy: FaultProxy
) -> None:
    proxy.delay(PING_S / 4)
    await tail.write_and_receive(during="delay")
    await tail.write_and_receive(during="delay")
    assert tail.watch.count("close") == 0
    assert tail.watch.count("reconnect") == 0


async def test_a_delay_longer_than_the_ping_timeout_is_a_dead_link(
    tail: Tail, proxy: FaultProxy
) -> None:
    opens = tail.watch.count("sub.open")
    began = time.monotonic()
    proxy.delay(10 * PING_S)
    await _detected(tail, began, 0)
    proxy.resume()
    await tail.recovered(opens)


async def test_a_throttled_link_delivers_large_events_whole_and_in_order(
    server: Server, proxy: FaultProxy, unique_tag: str
) -> None:
    # Pings queue behind the data on a slow link: give them the time it needs.
    slow = await Tail(server, proxy, unique_tag, ping_timeout=10.0).start()
    try:
        proxy.throttle(100_000)
        blobs = [str(n) * 40_000 for n in range(3)]
        for blob in blobs:
            await create(server, CLASS, {"tag": unique_tag, "blob": blob})
        await slow.watch.wait("sub.create", 3, within=30)
        assert [args[0]["blob"] for args in slow.watch.args("sub.create")] == blobs
        assert slow.watch.count("close") == 0
    finally:
        await slow.close()


async def test_a_crawling_link_is_detected_and_recovered(tail: Tail, proxy: FaultProxy) -> None:
    opens = tail.watch.count("sub.open")
    began = time.monotonic()
    proxy.throttle(5)
    await create(tail.server, CLASS, {"tag": tail.tag, "blob": "y" * 2000})
    await _detected(tail, began, 0)
    proxy.resume()
    await tail.recovered(opens)


async def test_a_refusing_server_is_retried_with_backoff_not_in_a_loop(
    tail: Tail, proxy: FaultProxy
) -> None:
    opens = tail.watch.count("sub.open")
    accepted = proxy.accepted
    began = time.monotonic()
    proxy.refuse()
    attempts = 6
    at = await tail.watch.wait("reconnect", attempts, within=20)
    # Each attempt waited its delay: 0.1 + 0.3 + 0.5 * 3 before attempt 6 starts.
    delays = [args[1] for args in tail.watch.args("reconnect")[:attempts]]
    assert delays == pytest.approx([0.1, 0.3, 0.5, 0.5, 0.5, 0.5])
    assert at - began >= sum(delays[:-1]) * 0.95
    assert proxy.accepted - accepted <= attempts  # one connection per attempt, no more
    proxy.resume()
    await tail.recovered(opens)
    assert tail.watch.count("open") == 2


async def test_close_during_a_stall_returns_promptly(tail: Tail, proxy: FaultProxy) -> None:
    proxy.stall()
    began = time.monotonic()
    await tail.close()
    assert time.monotonic() - began < 5
    assert tail.sub.closed
