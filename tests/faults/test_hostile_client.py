"""``LiveQueryClient`` against a hostile server: bad frames are reported, never fatal.

Garbage at the JSON level (not JSON, not an object, unknown op, unknown
request id, missing fields) must be reported as an ``error`` event while the
connection and its subscriptions live on. Garbage at the WebSocket level
(invalid UTF-8, reserved opcodes, oversized frames) ends that socket; the
client reports it, reconnects with backoff and resubscribes. Nothing may hang,
spin, or escape as an exception.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from support.hostile_server import BINARY, CLOSE, PING, TEXT, HostileConnection, HostileServer
from support.watch import Watch

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.exceptions import LiveQueryError, ProtocolError

POLICY = ReconnectPolicy(base=0.05, max_delay=0.2, rng=lambda: 1.0)
QUERY = {"className": "Game", "where": {}}

BAD_JSON_FRAMES = [
    pytest.param(b"not json at all", id="not-json"),
    pytest.param(b"{\"op\": \"create\"", id="truncated-json"),
    pytest.param(b"[1, 2, 3]", id="array"),
    pytest.param(b'"connected"', id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"null", id="null"),
    pytest.param(b"[" * 5000 + b"]" * 5000, id="deep-nesting"),
    pytest.param(b"{}", id="no-op"),
    pytest.param(b'{"op": 7}', id="op-not-string"),
    pytest.param(b'{"op": "explode", "requestId": 1}', id="unknown-op"),
    pytest.param(b'{"op": "create", "requestId": 999, "object": {"objectId": "x"}}', id="unknown-request"),  # noqa: E501
    pytest.param(b'{"op": "create", "requestId": "1", "object": {}}', id="request-id-string"),
    pytest.param(b'{"op": "create", "requestId": 1}', id="no-object"),
    pytest.param(b'{"op": "create", "requestId": 1, "object": [1]}', id="object-not-dict"),
    pytest.param(b'{"op": "update", "requestId": 1, "object": {}, "original": 5}', id="bad-original"),  # noqa: E501
    pytest.param(b'{"op": "error"}', id="error-without-code"),
    pytest.param(b'{"op": "error", "code": "x", "error": 5}', id="error-bad-types"),
    pytest.param(b'{"op": "subscribed", "requestId": 999}', id="subscribed-unknown"),
    pytest.param(b'{"op": "unsubscribed", "requestId": 999}', id="unsubscribed-unknown"),
    pytest.param(b'{"op": "connected", "clientId": "again"}', id="second-connected"),
    pytest.param(b'{"op": "create", "requestId": 1e400, "object": {}}', id="huge-number"),
    pytest.param(b'{"op": "create", "requestId": 1, "object": {"\\ud800": 1}}', id="lone-surrogate"),  # noqa: E501
]  # fmt: skip

WIRE_VIOLATIONS = [
    pytest.param(0x3, b"reserved", {}, id="reserved-opcode"),
    pytest.param(TEXT, b"{}", {"rsv": 0b100}, id="rsv-bit"),
    pytest.param(0x0, b"orphan", {}, id="orphan-continuation"),
    pytest.param(PING, b"p" * 200, {}, id="oversized-control"),
    pytest.param(CLOSE, b"\x03\xe8\xff\xfe", {}, id="close-bad-reason"),
    pytest.param(TEXT, b'{"op": "cre', {"fin": False}, id="unfinished-fragment-then-text"),
]


class Client:
    def __init__(self, url: str, **options: Any) -> None:
        settings: dict[str, Any] = {"reconnect": POLICY, "ping_interval": 0.5, "ping_timeout": 0.5,
                                    "close_timeout": 0.5, "open_timeout": 2.0, **options}  # fmt: skip  # noqa: E501
        self.client = LiveQueryClient("hostile", url, **settings)
        self.watch = Watch().listen(self.client, "open", "close", "error", "reconnect")

    async def subscribe(self) -> None:
        sub = await asyncio.wait_for(self.client.subscribe(QUERY), 10)
        self.watch.listen(sub, "open", "create", "error", "close", prefix="sub.")

    def created_ids(self) -> list[str]:
        return [args[0]["objectId"] for args in self.watch.args("sub.create")]


@pytest.fixture
async def make_client() -> AsyncIterator[Any]:
    clients: list[Client] = []

    def make(url: str, **options: Any) -> Client:
        client = Client(url, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await asyncio.wait_for(client.client.close(), 10)


@pytest.fixture(autouse=True)
def no_logged_tracebacks(caplog: pytest.LogCaptureFixture) -> Any:
    """Nothing the server sends may make the client log an internal failure."""
    caplog.set_level(logging.DEBUG, logger="livequery_cli")
    yield
    crashes = [r for r in caplog.records if r.exc_info and r.name.startswith("livequery_cli")]
    assert not crashes, [r.getMessage() for r in crashes]


@pytest.mark.parametrize("payload", BAD_JSON_FRAMES)
async def test_a_bad_frame_is_reported_and_the_connection_lives_on(
    payload: bytes, make_client: Any
) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        await conn.send_text(payload)
        await conn.event(request_id, "after")
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        await client.subscribe()
        await client.watch.wait_for(lambda: "after" in client.created_ids(), "'after' delivered")
        assert server.connections == 1, "a bad frame must not cost the connection"
        assert client.watch.count("close") == 0
        assert not server.failures


async def test_malformed_frames_are_error_events_with_protocol_errors(make_client: Any) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        await conn.accept_subscribe()
        for payload in (b"garbage", b"[]", b'{"op": "bogus"}'):
            await conn.send_text(payload)
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        await client.subscribe()
        await client.watch.wait("error", 3)
        errors = [args[0] for args in client.watch.args("error")]
        assert all(isinstance(error, ProtocolError) for error in errors), errors
        assert all("\n" not in str(error) for error in errors)


@pytest.mark.parametrize(("opcode", "payload", "options"), WIRE_VIOLATIONS)
async def test_a_wire_violation_drops_the_socket_and_the_client_recovers(
    opcode: int, payload: bytes, options: dict[str, Any], make_client: Any
) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        if server.connections == 1:
            await conn.send_frame(opcode, payload, **options)
            if not options.get("fin", True):
                await conn.send_text(b"{}")  # a new message inside an unfinished one
        await conn.event(request_id, f"after-{server.connections}")
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        await client.subscribe()
        await client.watch.wait_for(lambda: "after-2" in client.created_ids(), "recovered")
        assert "after-1" not in client.created_ids()
        assert client.watch.count("error") >= 1
        assert client.watch.count("reconnect") == 1
        assert not server.failures


async def test_invalid_utf8_in_a_text_frame_is_reported_and_survived(make_client: Any) -> None:
    """RFC 6455 says fail the connection (1007); skipping the frame with an error is as safe."""

    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        if server.connections == 1:
            await conn.send_frame(TEXT, b'{"op": "create", \xff\xfe}')
        await conn.event(request_id, f"after-{server.connections}")
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        await client.subscribe()
        await client.watch.wait_for(lambda: bool(client.created_ids()), "an event after it")
        assert client.watch.count("error") >= 1
        assert client.created_ids()[0] in ("after-1", "after-2")


async def test_a_binary_frame_never_crashes_the_client(make_client: Any) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        await conn.send_frame(BINARY, b"\x00\xff\x80 binary junk")
        await conn.event(request_id, f"after-{server.connections}")
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        await client.subscribe()
        await client.watch.wait_for(lambda: bool(client.created_ids()), "an event after it")
        assert client.watch.count("error") >= 1


async def test_a_frame_over_the_size_limit_is_refused_and_recovered(make_client: Any) -> None:
    huge = b'{"op": "create", "requestId": 1, "object": {"blob": "' + b"x" * (20 << 20) + b'"}}'

    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        if server.connections == 1:
            await conn.send_text(huge)
        await conn.event(request_id, f"after-{server.connections}")
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        await client.subscribe()
        await client.watch.wait_for(lambda: "after-2" in client.created_ids(), "recovered", 30)
        assert "after-1" not in client.created_ids()


async def test_a_large_frame_under_the_limit_is_delivered(make_client: Any) -> None:
    blob = "y" * (2 << 20)

    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        await conn.send_json({"op": "create", "requestId": request_id,
                              "object": {"objectId": "big", "blob": blob}})  # fmt: skip
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        await client.subscribe()
        await client.watch.wait("sub.create", within=30)
        assert client.watch.args("sub.create")[0][0]["blob"] == blob


async def test_a_subscription_error_flood_is_survived(make_client: Any) -> None:
    flood = 5000

    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        for n in range(flood):
            await conn.send_json({"op": "error", "requestId": request_id, "code": 1,
                                  "error": f"flood {n}", "reconnect": True})  # fmt: skip
        await conn.event(request_id, "after")
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        await client.subscribe()
        await client.watch.wait_for(lambda: "after" in client.created_ids(), "survived", 60)
        assert server.connections == 1


async def test_a_connection_error_flood_backs_off_instead_of_spinning(make_client: Any) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.recv("connect")
        for _ in range(200):
            await conn.send_json({"op": "error", "code": 1, "error": "go away", "reconnect": True})
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        task = asyncio.ensure_future(client.client.open())
        await client.watch.wait("reconnect", 5)
        delays = [args[1] for args in client.watch.args("reconnect")[:5]]
        assert delays == pytest.approx([0.05, 0.15, 0.2, 0.2, 0.2])
        assert server.connections <= client.watch.count("reconnect") + 1
        task.cancel()


async def test_a_server_that_never_sends_connected_is_not_waited_on_forever(
    make_client: Any,
) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.hold()  # reads `connect`, answers pings, never says `connected`

    async with HostileServer(script) as server:
        client = make_client(server.url, open_timeout=1.0)
        task = asyncio.ensure_future(client.client.open())
        try:
            await client.watch.wait("error", within=15)
            await client.watch.wait("reconnect", within=15)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@pytest.mark.parametrize(
    "reply",
    [
        pytest.param(b"HTTP/1.1 101 Switch", id="half-a-status-line"),
        pytest.param(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", id="500"),
        pytest.param(b"\x00\xff garbage \r\n\r\n", id="garbage-response"),
        pytest.param(b"", id="close-at-once"),
    ],
)
async def test_a_broken_handshake_is_retried_then_recovered(reply: bytes, make_client: Any) -> None:
    async def script(conn: HostileConnection) -> None:
        if server.connections == 1:
            await conn.read_request()
            await conn.send_raw(reply)
            conn.abort()
            return
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        await conn.event(request_id, "after")
        await conn.hold()

    async with HostileServer(script) as server:
        client = make_client(server.url)
        await client.subscribe()
        await client.watch.wait_for(lambda: "after" in client.created_ids(), "recovered")
        assert client.watch.count("reconnect") == 1
        errors = [args[0] for args in client.watch.args("error")]
        assert errors
        assert all(isinstance(error, LiveQueryError) for error in errors)
