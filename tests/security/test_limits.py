"""Limits of ``lq serve``: frame size, subscriptions per connection, query complexity, ReDoS.

Each limit is hit with raw frames; the server answers with an error (or closes
that one socket) and goes on serving everybody else, checked with a fresh
well-formed connection afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import orjson
import pytest
from support.lq_server import LqServer
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

WAIT_S = 10.0


async def _open(server: LqServer) -> ClientConnection:
    ws = await connect(server.ws_url, open_timeout=WAIT_S, max_size=None)
    await ws.send(orjson.dumps({"op": "connect", "applicationId": server.app_id,
                                "javascriptKey": server.js_key}).decode())  # fmt: skip
    assert orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))["op"] == "connected"
    return ws


async def _reply(ws: ClientConnection) -> dict[str, Any] | None:
    try:
        frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
    except ConnectionClosed:
        return None
    return frame


def _subscribe(request_id: int, where: Any, class_name: str = "Game") -> str:
    return orjson.dumps({"op": "subscribe", "requestId": request_id,
                         "query": {"className": class_name, "where": where}}).decode()  # fmt: skip


async def _still_serving(server: LqServer, tag: str) -> None:
    ws = await _open(server)
    await ws.send(_subscribe(1, {"tag": tag}))
    assert (await _reply(ws) or {}).get("op") == "subscribed"
    await asyncio.to_thread(server.rest.create, "Game", {"tag": tag}, master=True)
    event = await _reply(ws)
    assert event is not None
    assert event["op"] == "create"
    await ws.close()


async def test_an_oversized_frame_is_refused(lq_server: LqServer, unique_tag: str) -> None:
    ws = await _open(lq_server)
    with contextlib.suppress(ConnectionClosed):
        await ws.send(_subscribe(1, {"tag": "x" * (2 << 20)}))
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), WAIT_S)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009, closed.value
    await _still_serving(lq_server, unique_tag)


async def test_subscriptions_per_connection_are_bounded(
    lq_server_factory: Any, unique_tag: str
) -> None:
    server: LqServer = lq_server_factory(extra_args=("--max-subscriptions", "5"))
    ws = await _open(server)
    replies = []
    for request_id in range(1, 8):
        await ws.send(_subscribe(request_id, {"n": request_id}))
        replies.append(await _reply(ws))
    ops = [(reply or {}).get("op") for reply in replies]
    assert ops[:5] == ["subscribed"] * 5, ops
    assert all(op in ("error", None) for op in ops[5:]), ops
    await ws.close()
    await _still_serving(server, unique_tag)


def _nested(depth: int) -> dict[str, Any]:
    where: dict[str, Any] = {"a": 1}
    for _ in range(depth):
        where = {"$or": [where]}
    return where


def _deep_object(depth: int) -> dict[str, Any]:
    where: dict[str, Any] = {"leaf": 1}
    for _ in range(depth):
        where = {"k": where}
    return where


@pytest.mark.parametrize(
    "where",
    [
        pytest.param(_nested(50), id="deep-or"),
        pytest.param(_deep_object(40), id="deep-object"),
        pytest.param({"name": {"$regex": "a" * 5000}}, id="long-regex"),
        pytest.param({"name": {"$regex": "(unclosed"}}, id="bad-regex"),
        pytest.param({"$or": "not-a-list"}, id="or-not-a-list"),
    ],
)  # fmt: skip
async def test_complex_queries_are_refused(
    lq_server: LqServer, unique_tag: str, where: dict[str, Any]
) -> None:
    ws = await _open(lq_server)
    await ws.send(_subscribe(1, where))
    reply = await _reply(ws)
    assert reply is not None
    assert reply["op"] == "error", reply
    assert reply.get("code") in (1, 102), reply
    await ws.close()
    await _still_serving(lq_server, unique_tag)


@pytest.mark.parametrize("pattern", ["^(a+)+$", "(a|aa)+$", "(\\w+\\s?)*!$", "^(.*)*x"])
async def test_a_catastrophic_regex_does_not_stall_the_server(
    lq_server_factory: Any, unique_tag: str, pattern: str
) -> None:
    # A server of its own: a stalled one must not take the shared server down with it.
    server: LqServer = lq_server_factory()
    ws = await _open(server)
    try:
        # RE2 runs these in linear time: accepted, and harmless.
        await ws.send(_subscribe(1, {"tag": unique_tag, "name": {"$regex": pattern}}))
        reply = await _reply(ws)
        assert reply is not None
        assert reply["op"] == "subscribed", reply
        where = {"tag": unique_tag, "name": {"$regex": pattern}}
        assert await asyncio.to_thread(server.rest.find, "Game", where) == []
        evil = {"tag": unique_tag, "name": "a" * 40 + "!"}
        try:
            await asyncio.wait_for(
                asyncio.gather(
                    asyncio.to_thread(server.rest.create, "Game", evil, master=True),
                    _still_serving(server, unique_tag + "-other"),
                ),
                5,
            )
        except TimeoutError:
            pytest.fail(f"matching {pattern!r} against 'aaa...a!' stalled the server (ReDoS)")
    finally:
        ws.transport.abort()
        server.kill()  # a stalled server does not answer a graceful close


async def test_connections_per_address_are_bounded_at_256(
    lq_server_factory: Any, unique_tag: str
) -> None:
    server: LqServer = lq_server_factory()
    held: list[ClientConnection] = []
    try:
        for _ in range(256):
            held.append(await connect(server.ws_url, open_timeout=WAIT_S))
        with pytest.raises(InvalidStatus) as refused:
            await connect(server.ws_url, open_timeout=WAIT_S)
        assert refused.value.response.status_code == 429
        await held.pop().close()
        held.append(await connect(server.ws_url, open_timeout=WAIT_S))  # a slot came back
    finally:
        await asyncio.gather(*(ws.close() for ws in held), return_exceptions=True)
    await _still_serving(server, unique_tag)


async def test_the_connections_per_address_limit_is_a_serve_option(lq_server_factory: Any) -> None:
    server: LqServer = lq_server_factory(extra_args=("--max-connections-per-address", "2"))
    held: list[ClientConnection] = []
    try:
        for _ in range(2):
            held.append(await connect(server.ws_url, open_timeout=WAIT_S))
        with pytest.raises(InvalidStatus) as refused:
            await connect(server.ws_url, open_timeout=WAIT_S)
        assert refused.value.response.status_code == 429
    finally:
        await asyncio.gather(*(ws.close() for ws in held), return_exceptions=True)


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def _read_until_closed(ws: ClientConnection) -> ConnectionClosed:
    try:
        while True:
            await asyncio.wait_for(ws.recv(), WAIT_S)
    except ConnectionClosed as closed:
        return closed


async def test_a_client_that_stops_reading_is_dropped_not_buffered(
    lq_server_factory: Any, unique_tag: str
) -> None:
    """The outgoing queue is bounded in frames (10 000); its memory must be bounded too."""
    server: LqServer = lq_server_factory()
    assert server.pid is not None
    target = server.rest.create("Game", {"tag": unique_tag, "n": 0}, master=True)
    slow = await _open(server)
    await slow.send(_subscribe(1, {"tag": unique_tag}))
    assert (await _reply(slow) or {}).get("op") == "subscribed"
    slow.transport.pause_reading()  # the kernel buffers fill, then the server's queue
    before = _rss_kb(server.pid)
    path = f"classes/Game/{target['objectId']}"
    for batch in range(22):  # 11 000 updates of a 20 kB object: ~40 kB per event frame
        operations = [{"method": "PUT", "path": path, "body": {"n": batch * 500 + n,
                       "blob": "x" * 20_000}} for n in range(500)]  # fmt: skip
        await asyncio.to_thread(server.rest.batch, operations, master=True)
    grown = _rss_kb(server.pid) - before
    slow.transport.resume_reading()
    closed = await _read_until_closed(slow)
    assert closed.rcvd is not None
    assert closed.rcvd.code == 1008, closed
    await _still_serving(server, unique_tag + "-after")
    assert grown < 100_000, (
        f"lq serve grew {grown} kB holding frames for one client that reads nothing"
    )


async def test_rest_find_tests_a_regex_on_a_long_string(
    lq_server: LqServer, unique_tag: str
) -> None:
    long_value = "a" * 20_000 + "!"  # beyond the 10,000 characters of the backtracking engine
    short = await asyncio.to_thread(
        lq_server.rest.create, "Game", {"tag": unique_tag, "name": "a" * 50 + "!"}, master=True
    )
    long_ = await asyncio.to_thread(
        lq_server.rest.create, "Game", {"tag": unique_tag, "name": long_value}, master=True
    )
    where = {"tag": unique_tag, "name": {"$regex": "a+!$"}}
    found = await asyncio.to_thread(lq_server.rest.find, "Game", where, master=True)
    expected = sorted([short["objectId"], long_["objectId"]])
    assert sorted(obj["objectId"] for obj in found) == expected
