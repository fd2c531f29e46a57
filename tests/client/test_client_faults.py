"""LiveQueryClient against a scripted server: faults a real Parse Server cannot produce."""

from __future__ import annotations

import asyncio
import logging
import socket
import time

import pytest
from support.fake_server import fake_server
from support.recorder import Recorder

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.client.subscription import Event
from livequery_cli.exceptions import (
    ConnectionFailedError,
    InvalidStateError,
    ProtocolError,
    ServerError,
)
from livequery_cli.protocol import State

FAST = ReconnectPolicy(base=0.01, max_delay=0.05)
GAME = {"className": "Game", "where": {}}
OBJ = {"className": "Game", "objectId": "g1", "score": 1}


def client_for(url: str, **options: object) -> LiveQueryClient:
    options.setdefault("reconnect", FAST)
    return LiveQueryClient("app", url, **options)  # type: ignore[arg-type]


async def test_garbage_and_unknown_frames_are_error_events_and_the_connection_lives_on() -> None:
    async with fake_server() as server:
        client = client_for(server.url)
        rec = Recorder().listen(client, "error", "close")
        sub = await client.subscribe(GAME)
        conn = await server.next_connection()
        rid = sub.request_id
        await conn.send("this is not json")
        await conn.send('{"op": "surprise", "clientId": "fake"}')
        await conn.send("[1, 2, 3]")
        await conn.event("create", rid + 100, OBJ)  # nobody subscribed to that
        await conn.event("create", rid, OBJ)
        events = aiter(sub)
        assert await asyncio.wait_for(anext(events), 5) == Event("create", OBJ)
        await rec.wait("error", 4)
        errors = [args[0] for args in rec.args("error")]
        assert all(isinstance(e, ProtocolError) for e in errors)
        assert [str(e) for e in errors] == [
            "frame is not valid JSON",
            "unknown op 'surprise'",
            "frame is a JSON array, not an object",
            f"'create' event for unknown requestId {rid + 100}",
        ]
        assert client.state is State.CONNECTED
        assert rec.count("close") == 0
        await client.close()


async def test_a_half_open_socket_is_detected_by_pings_within_a_bounded_time() -> None:
    async with fake_server() as server:
        client = client_for(server.url, ping_interval=0.2, ping_timeout=0.2, close_timeout=0.2)
        rec = Recorder().listen(client, "open", "close", "error", "reconnect")
        sub = await client.subscribe(GAME)
        sub_rec = Recorder().listen(sub, "open", "close")
        conn = await server.next_connection()
        started = time.monotonic()
        conn.go_silent()
        await rec.wait("close", within=5)
        # ping_interval + ping_timeout + close_timeout, plus scheduling slack
        assert time.monotonic() - started < 2.0
        assert any("keepalive" in str(args[0]) for args in rec.args("error"))
        # ... then it reconnects and resubscribes the same request id
        second = await server.next_connection()
        assert (await second.recv("subscribe"))["requestId"] == sub.request_id
        await sub_rec.wait("open", 1)
        await second.event("create", sub.request_id, OBJ)
        assert await asyncio.wait_for(anext(sub), 5) == Event("create", OBJ)
        assert sub_rec.names() == [
            "open",
            "close",
            "open",
        ]  # first open reaches a listener added after the await
        await client.close()


async def test_close_during_a_reconnect_wait_cancels_it_at_once() -> None:
    slow = ReconnectPolicy(base=60.0, max_delay=60.0, rng=lambda: 1.0)
    async with fake_server() as server:
        client = client_for(server.url, reconnect=slow)
        rec = Recorder().listen(client, "close", "reconnect")
        sub = await client.subscribe(GAME)
        conn = await server.next_connection()
        await conn.close()
        attempt, delay = await rec.wait("reconnect")
        assert (attempt, delay) == (1, 60.0)
        started = time.monotonic()
        await asyncio.wait_for(client.close(), 2)
        assert time.monotonic() - started < 1.0
        assert sub.closed
        assert client.state is State.CLOSED
        await client.wait_closed()  # a user close is not a failure
        assert server.connections.empty()  # no reconnect happened


async def test_exhausted_retries_surface_connection_failed_everywhere() -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = client_for(
        f"ws://127.0.0.1:{port}/parse", reconnect=ReconnectPolicy(base=0.01, max_retries=2)
    )
    rec = Recorder().listen(client, "error", "reconnect")
    opening = asyncio.ensure_future(client.open())
    with pytest.raises(ConnectionFailedError) as info:
        await asyncio.wait_for(client.wait_closed(), 10)
    assert info.value.attempts == 2
    assert "gave up reconnecting to ws://127.0.0.1" in str(info.value)
    with pytest.raises(ConnectionFailedError):
        await opening
    assert [args[0] for args in rec.args("reconnect")] == [1, 2]
    assert isinstance(rec.args("error")[-1][0], ConnectionFailedError)
    with pytest.raises(InvalidStateError):
        await client.subscribe(GAME)


async def test_the_iterator_raises_connection_failed_when_the_client_gives_up() -> None:
    async with fake_server() as server:
        client = client_for(server.url, reconnect=ReconnectPolicy(base=0.01, max_retries=0))
        sub = await client.subscribe(GAME)
        conn = await server.next_connection()
        await conn.close()
        with pytest.raises(ConnectionFailedError):
            async for _ in sub:
                pass
        assert sub.closed


async def test_a_raising_listener_does_not_kill_the_connection(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with fake_server() as server:
        client = client_for(server.url)
        sub = await client.subscribe(GAME)
        errors = Recorder().listen(sub, "error")
        sub.on("create", lambda obj: obj["missing"])
        conn = await server.next_connection()
        await conn.event("create", sub.request_id, OBJ)
        await conn.event("create", sub.request_id, {**OBJ, "objectId": "g2"})
        events = aiter(sub)
        assert (await asyncio.wait_for(anext(events), 5)).object == OBJ
        assert (await asyncio.wait_for(anext(events), 5)).object["objectId"] == "g2"
        await errors.wait("error", 2)
        assert all(isinstance(args[0], KeyError) for args in errors.args("error"))
        assert client.state is State.CONNECTED
        await client.close()


async def test_a_slow_iterator_applies_backpressure_without_losing_events() -> None:
    async with fake_server() as server:
        client = client_for(server.url, max_queue=4)
        sub = await client.subscribe(GAME)
        conn = await server.next_connection()
        n = 300
        sender = asyncio.ensure_future(
            asyncio.gather(
                *[conn.event("create", sub.request_id, {**OBJ, "n": i}) for i in range(n)]
            )
        )
        seen: list[int] = []
        async for event in sub:
            assert len(sub._items) <= 4  # bounded: the reader waits for the consumer
            seen.append(event.object["n"])
            if len(seen) % 50 == 0:
                await asyncio.sleep(0.01)  # a slow consumer
            if len(seen) == n:
                break
        assert seen == list(range(n))
        await sender
        await client.close()


async def test_a_listener_only_subscription_never_blocks_the_connection() -> None:
    async with fake_server() as server:
        client = client_for(server.url, max_queue=2)
        sub = await client.subscribe(GAME)
        rec = Recorder().listen(sub, "create")
        conn = await server.next_connection()
        for i in range(10):
            await conn.event("create", sub.request_id, {**OBJ, "n": i})
        await rec.wait("create", 10)
        with pytest.raises(InvalidStateError, match="not kept"):
            await anext(sub)
        await client.close()


async def test_unsubscribe_during_backpressure_releases_the_reader() -> None:
    async with fake_server() as server:
        client = client_for(server.url, max_queue=1)
        sub = await client.subscribe(GAME, overflow="wait")
        other = await client.subscribe({"className": "Player", "where": {}})
        conn = await server.next_connection()
        aiter(sub)  # iteration started: a full buffer now blocks the reader
        for i in range(3):
            await conn.event("create", sub.request_id, {**OBJ, "n": i})
        await asyncio.wait_for(sub.unsubscribe(), 5)
        await conn.event("create", other.request_id, OBJ)
        assert await asyncio.wait_for(anext(other), 5) == Event("create", OBJ)
        await client.close()


async def test_unhandled_client_errors_are_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with fake_server() as server:
        client = client_for(server.url)
        sub = await client.subscribe(GAME)
        conn = await server.next_connection()
        with caplog.at_level(logging.WARNING, logger="livequery_cli"):
            await conn.send("garbage")
            await conn.event("create", sub.request_id, OBJ)
            await asyncio.wait_for(anext(sub), 5)
        assert "frame is not valid JSON" in caplog.text
        await client.close()


async def test_a_final_error_for_a_live_subscription_ends_only_that_subscription() -> None:
    """What an ``afterLiveQueryEvent`` trigger that throws produces (code 141)."""
    async with fake_server() as server:
        client = client_for(server.url)
        doomed = await client.subscribe(GAME)
        other = await client.subscribe({"className": "Player", "where": {}})
        rec = Recorder().listen(doomed, "error", "close")
        conn = await server.next_connection()
        await conn.send(
            {"op": "error", "clientId": "fake", "code": 141, "error": "trigger said no",
             "reconnect": False, "requestId": doomed.request_id}
        )  # fmt: skip
        with pytest.raises(ServerError) as info:
            await asyncio.wait_for(anext(doomed), 5)
        assert (info.value.code, info.value.request_id) == (141, doomed.request_id)
        assert rec.names() == ["error", "close"]
        assert doomed.closed
        await conn.event("create", other.request_id, OBJ)
        assert await asyncio.wait_for(anext(other), 5) == Event("create", OBJ)
        assert client.subscriptions == [other]
        await client.close()


async def test_a_final_connection_error_ends_the_client_without_retrying() -> None:
    async with fake_server() as server:
        client = client_for(server.url)
        rec = Recorder().listen(client, "error", "close", "reconnect")
        sub = await client.subscribe(GAME)
        conn = await server.next_connection()
        await conn.send(
            {"op": "error", "clientId": "fake", "code": 141, "error": "go away",
             "reconnect": False, "requestId": None}
        )  # fmt: skip
        with pytest.raises(ServerError, match="go away"):
            await asyncio.wait_for(client.wait_closed(), 5)
        with pytest.raises(ServerError, match="go away"):
            await sub.wait_closed()
        assert client.state is State.DISCONNECTED
        assert rec.names() == ["error", "close"]
        assert server.connections.empty()
        await client.close()


async def test_a_server_that_never_answers_connect_is_retried_not_waited_on() -> None:
    async with fake_server(auto=False) as server:
        client = client_for(server.url, open_timeout=0.3)
        rec = Recorder().listen(client, "error", "reconnect", "open")
        opening = asyncio.ensure_future(client.open())
        first = await server.next_connection()
        assert (await first.recv())["op"] == "connect"
        await rec.wait("reconnect")
        assert str(rec.args("error")[0][0]) == "no 'connected' within 0.3 s"
        second = await server.next_connection()  # a new socket, not the silent one
        await second.recv("connect")
        await second.send({"op": "connected", "clientId": "fake"})
        await asyncio.wait_for(opening, 5)
        assert rec.count("open") == 1
        await client.close()
