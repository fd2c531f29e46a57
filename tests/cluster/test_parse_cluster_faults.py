"""Faults on a real cluster: Redis restarted, the Parse Server unreachable, garbage on Redis.

- Redis restarts while writes go on: lq's node closes its clients with 1012
  and logs the gap; ``lq tail`` reconnects, resyncs, and its final view is
  exactly the server's ``find``.
- The Parse Server is unreachable from the node (a proxy cut between them)
  while Parse keeps publishing: nothing that needs an identity is sent (a
  role removed during the outage grants nothing), new subscriptions are
  refused with code 100, and once Parse answers the clients that missed
  events are closed with 1012 and can subscribe again.
- Garbage published on Parse's channels is counted; the node keeps working.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from cli.tail.test_resync import Picture, Writer, _expr, server_ids
from cluster.node_harness import (
    CuttableProxy,
    recv,
    restart_redis,
    shut_down_redis,
    start_node,
    wait_for,
)
from cluster.parse_cluster import LqNode, lq_node, parse, redis_bus
from support.lq_process import LqProcess
from support.parse_server import ParseServer
from support.redis import RedisServer
from support.rest_writer import make_acl
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from livequery_cli.server.cluster.node import ClusterNode
from livequery_cli.server.server_config import ServerConfig

pytestmark = [pytest.mark.parse_server, pytest.mark.slow]
__all__ = ["lq_node", "parse", "redis_bus"]


def test_redis_restart_during_writes_lq_tail_resyncs(
    parse: ParseServer, redis_bus: RedisServer, lq_node: LqNode
) -> None:
    tag = f"t-{uuid.uuid4().hex}"
    proc = LqProcess(
        ["tail", "Game", *_expr(tag), "--snapshot", "--json", "--status-events"],
        env={
            "LQ_SERVER_URL": parse.rest_url,
            "LQ_APP_ID": parse.app_id,
            "LQ_JS_KEY": parse.js_key,
            "LQ_LIVE_QUERY_URL": lq_node.ws_url,
        },
    )
    try:
        picture = Picture(proc)
        picture.read_until(lambda r: r.get("state") == "synced")
        writer = Writer(parse, tag, seed=5)
        writer.run(10)
        shut_down_redis(redis_bus)
        writer.run(10)  # these events are lost on Redis
        restart_redis(redis_bus)
        picture.read_until(lambda r: r.get("state") == "resynced")
        writer.run(10)
        marker = parse.rest.create("Game", {"tag": tag, "score": 88})
        picture.read_until(lambda r: r.get("id") == marker["objectId"])
        assert set(picture.members) == server_ids(parse, tag)
        assert "is back after" in lq_node.log_tail()
        assert parse.master_key not in lq_node.log_path.read_text()
        proc.signal(signal.SIGINT)
        assert proc.wait() == 130
    finally:
        proc.close()


def test_garbage_on_redis_is_counted_and_the_node_keeps_working(
    parse: ParseServer, redis_bus: RedisServer, lq_node: LqNode
) -> None:
    import redis

    health_url = lq_node.ws_url.replace("ws://", "http://") + "/health"

    def health() -> dict[str, Any]:
        import urllib.request

        with urllib.request.urlopen(health_url, timeout=10) as response:
            answer: dict[str, Any] = orjson.loads(response.read())
            return answer

    before = health()["malformed"]
    with redis.Redis.from_url(redis_bus.url) as client:
        client.publish(parse.app_id + "afterSave", b"{not json")
        client.publish(parse.app_id + "afterDelete", b'{"currentParseObject": []}')
        client.publish(parse.app_id + "clearCache", b"[]")
    tag = f"t-{uuid.uuid4().hex}"
    proc = LqProcess(
        ["tail", "Game", "--where", f"tag = {tag}", "--snapshot", "--json", "--status-events"],
        env={
            "LQ_SERVER_URL": parse.rest_url,
            "LQ_APP_ID": parse.app_id,
            "LQ_JS_KEY": parse.js_key,
            "LQ_LIVE_QUERY_URL": lq_node.ws_url,
        },
    )
    try:
        picture = Picture(proc)
        picture.read_until(lambda r: r.get("state") == "synced")
        created = parse.rest.create("Game", {"tag": tag})
        picture.read_until(lambda r: r.get("id") == created["objectId"])
    finally:
        proc.close()
    assert health()["malformed"] == before + 3


class Client:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: list[dict[str, Any]] = []
        self.closed: int | None = None

    async def pump(self) -> None:
        try:
            async for raw in self.ws:
                self.frames.append(orjson.loads(raw))
        except ConnectionClosed:
            pass
        self.closed = self.ws.close_code

    def seen(self, field: str, value: Any) -> bool:
        return any((f.get("object") or {}).get(field) == value for f in self.frames)


@pytest.fixture
async def cut_node(
    parse: ParseServer, redis_bus: RedisServer
) -> AsyncIterator[tuple[ClusterNode, CuttableProxy]]:
    proxy = await CuttableProxy(parse.port).start()
    config = ServerConfig(port=0, db=":memory:", app_id=parse.app_id, master_key=parse.master_key)
    url = f"http://127.0.0.1:{proxy.port}{parse.mount}"
    node = await start_node(config, url, redis_bus.url, cache_timeout=1.0)
    try:
        yield node, proxy
    finally:
        await node.stop()
        await proxy.close()


async def _client(node: ClusterNode, parse: ParseServer, token: str | None, rid: int) -> Client:
    ws = await connect(node.live_query_url, max_size=None)
    hello: dict[str, Any] = {"op": "connect", "applicationId": parse.app_id}
    if token:
        hello["sessionToken"] = token
    await ws.send(orjson.dumps(hello).decode())
    assert (await recv(ws))["op"] == "connected"
    sub: dict[str, Any] = {
        "op": "subscribe",
        "requestId": rid,
        "query": {"className": "Secret", "where": {}},
    }
    if token:
        sub["sessionToken"] = token
    await ws.send(orjson.dumps(sub).decode())
    answer = await recv(ws)
    assert answer["op"] == "subscribed", answer
    client = Client(ws)
    client.task = asyncio.ensure_future(client.pump())  # type: ignore[attr-defined]
    return client


async def test_parse_unreachable_leaks_nothing_and_recovers(
    parse: ParseServer, cut_node: tuple[ClusterNode, CuttableProxy]
) -> None:
    node, proxy = cut_node
    rest = parse.rest
    tag = uuid.uuid4().hex[:8]
    carol = await asyncio.to_thread(rest.sign_up, f"carol-{tag}", "pw")
    role = await asyncio.to_thread(rest.create_role, f"ops{tag}", users=[carol["objectId"]])
    role_acl = make_acl(readers=[f"role:ops{tag}"])
    anon = await _client(node, parse, None, 1)
    member = await _client(node, parse, carol["sessionToken"], 2)

    def create(n: int, acl: dict[str, Any]) -> None:
        rest.create("Secret", {"n": n, "tag": tag}, acl=acl, master=True)

    await asyncio.to_thread(create, 1, role_acl)
    await wait_for(lambda: member.seen("n", 1), "carol to see n=1 through her role")

    proxy.set_cut(True)
    # Carol loses the role while the node cannot ask Parse about it.
    await asyncio.to_thread(rest.remove_users_from_role, role["objectId"], [carol["objectId"]])
    await asyncio.to_thread(create, 2, role_acl)
    await asyncio.to_thread(create, 3, make_acl(public_read=True))
    await wait_for(lambda: anon.seen("n", 3), "the public object to reach anonymous")
    await wait_for(lambda: node.hub.events_withheld >= 1, "n=2 to be withheld")
    assert not member.seen("n", 2), "an object of a revoked role leaked"
    assert not anon.seen("n", 2)
    # A new subscription cannot be checked now: refused, retryable.
    refused = await connect(node.live_query_url)
    hello = {"op": "connect", "applicationId": parse.app_id}
    await refused.send(orjson.dumps(hello | {"sessionToken": carol["sessionToken"]}).decode())
    assert (await recv(refused))["op"] == "connected"
    await refused.send(
        orjson.dumps(
            {"op": "subscribe", "requestId": 1, "query": {"className": "Secret", "where": {}}}
        ).decode()
    )
    answer = await recv(refused)
    assert (answer["op"], answer["code"], answer["reconnect"]) == ("error", 100, True)
    await refused.close()

    proxy.set_cut(False)
    await wait_for(lambda: member.closed is not None, "carol's client to be closed", 20)
    assert member.closed == 1012
    assert not member.seen("n", 2)
    # After the restart, carol subscribes again and gets only what she may read.
    again = await _client(node, parse, carol["sessionToken"], 3)
    await asyncio.to_thread(create, 4, role_acl)
    await asyncio.to_thread(create, 5, make_acl(public_read=True))
    await wait_for(lambda: again.seen("n", 5), "carol to see n=5")
    assert not again.seen("n", 4)
    for client in (anon, member, again):
        await client.ws.close()
    async with aiohttp.ClientSession() as session:
        health_url = node.live_query_url.replace("ws://", "http://") + "/health"
        async with session.get(health_url) as response:
            health = await response.json()
    assert health["parseFailures"] >= 1
    assert health["restartsSent"] >= 1
