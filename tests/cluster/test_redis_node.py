"""``lq serve --redis-url`` publishing and ``lq serve --parse-server`` consuming, in process.

The embedded server stands in for the Parse Server here (REST + Parse's
message format on Redis); tests/cluster/test_parse_cluster.py runs the same
node against a real Parse Server 9.10 and Parse's own LiveQuery node.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from cluster.node_harness import CuttableProxy, recv, restart_redis, start_node, wait_for
from support.lq_harness import APP_ID, JS_KEY, Rest, make_config
from support.redis import RedisServer
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from livequery_cli.server.app import EmbeddedServer
from livequery_cli.server.cluster.node import ClusterNode


def _dumps(frame: Any) -> str:
    return orjson.dumps(frame).decode()


class Cluster:
    def __init__(self, embedded: EmbeddedServer, node: ClusterNode, rest: Rest) -> None:
        self.embedded = embedded
        self.node = node
        self.rest = rest
        self.sockets: list[ClientConnection] = []

    async def client(self, url: str | None = None, **connect_fields: Any) -> ClientConnection:
        ws = await connect(url or self.node.live_query_url, max_size=None)
        self.sockets.append(ws)
        await ws.send(
            _dumps(
                {"op": "connect", "applicationId": APP_ID, "javascriptKey": JS_KEY} | connect_fields
            )
        )
        assert (await recv(ws))["op"] == "connected"
        return ws

    async def subscribe(
        self, ws: ClientConnection, request_id: int, class_name: str, where: Any, **extra: Any
    ) -> dict[str, Any]:
        frame: dict[str, Any] = {
            "op": "subscribe",
            "requestId": request_id,
            "query": {"className": class_name, "where": where},
        }
        if "sessionToken" in extra:
            frame["sessionToken"] = extra.pop("sessionToken")
        frame["query"].update(extra)
        await ws.send(_dumps(frame))
        return await recv(ws)


@pytest.fixture
async def cluster(redis_server: RedisServer) -> AsyncIterator[Cluster]:
    embedded = EmbeddedServer(make_config(redis_url=redis_server.url))
    await embedded.start()
    node = await start_node(embedded.config, embedded.rest_url, redis_server.url)
    async with aiohttp.ClientSession() as session:
        c = Cluster(embedded, node, Rest(session, embedded.rest_url, embedded.config.master_key))
        try:
            yield c
        finally:
            for ws in c.sockets:
                await ws.close()
            await node.stop()
            await embedded.stop()


def _strip(frame: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in frame.items() if k != "clientId"}


async def test_node_sends_the_same_events_as_the_embedded_server(cluster: Cluster) -> None:
    on_node = await cluster.client()
    on_embedded = await cluster.client(cluster.embedded.live_query_url)
    for ws in (on_node, on_embedded):
        assert (await cluster.subscribe(ws, 1, "Game", {"score": {"$gt": 10}}))["op"] == (
            "subscribed"
        )
    game = await cluster.rest.create("Game", {"score": 20, "name": "a"})
    await cluster.rest.update("Game", game["objectId"], {"score": 5})
    await cluster.rest.update("Game", game["objectId"], {"score": 50})
    await cluster.rest.delete("Game", game["objectId"])
    for op in ("create", "leave", "enter", "delete"):
        from_node, from_embedded = await recv(on_node), await recv(on_embedded)
        assert from_node["op"] == op
        assert _strip(from_node) == _strip(from_embedded)


async def test_acl_and_session_tokens_come_from_the_parse_server(cluster: Cluster) -> None:
    user = await cluster.rest.sign_up("alice")
    token = user["sessionToken"]
    private = {"ACL": {user["objectId"]: {"read": True, "write": True}}}
    anonymous = await cluster.client()
    alice = await cluster.client(sessionToken=token)
    assert (await cluster.subscribe(anonymous, 1, "Note", {}))["op"] == "subscribed"
    assert (await cluster.subscribe(alice, 1, "Note", {}))["op"] == "subscribed"
    await cluster.rest.create("Note", {"text": "mine", **private}, token=token)
    await cluster.rest.create("Note", {"text": "public"})
    assert (await recv(alice))["object"]["text"] == "mine"
    assert (await recv(alice))["object"]["text"] == "public"
    assert (await recv(anonymous))["object"]["text"] == "public"  # never "mine"


async def test_an_invalid_token_is_refused_with_209(cluster: Cluster) -> None:
    ws = await cluster.client()
    answer = await cluster.subscribe(ws, 1, "Note", {}, sessionToken="r:not-a-session")
    assert answer["op"] == "error"
    assert answer["code"] == 209


async def test_malformed_redis_messages_are_counted_and_ignored(
    cluster: Cluster, redis_server: RedisServer
) -> None:
    from redis.asyncio import Redis

    ws = await cluster.client()
    await cluster.subscribe(ws, 1, "Game", {})
    garbage = [b"not json", b"[]", b'{"currentParseObject": 1}', b'{"x": 1}']
    async with Redis.from_url(redis_server.url) as redis:
        for payload in garbage:
            await redis.publish(APP_ID + "afterSave", payload)
        await redis.publish(APP_ID + "afterDelete", b"\xff\xfe")
        await redis.publish(APP_ID + "clearCache", b'{"userId": 3}')
    await wait_for(lambda: cluster.node.feed.stats.malformed == 6, "6 malformed messages")
    await cluster.rest.create("Game", {"score": 1})
    assert (await recv(ws))["op"] == "create"  # the node kept working
    async with aiohttp.ClientSession() as session:
        health_url = cluster.node.live_query_url.replace("ws://", "http://") + "/health"
        async with session.get(health_url) as response:
            health = await response.json()
    assert health["malformed"] == 6
    assert cluster.embedded.config.master_key not in str(health)


async def test_redis_restart_closes_clients_with_1012(
    cluster: Cluster, redis_server: RedisServer
) -> None:
    ws = await cluster.client()
    await cluster.subscribe(ws, 1, "Game", {})
    redis_server.kill()
    await wait_for(lambda: not cluster.node.feed.stats.connected, "the feed to notice")
    await asyncio.to_thread(restart_redis, redis_server)
    with pytest.raises(ConnectionClosed) as closed:
        await asyncio.wait_for(ws.recv(), 15)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1012
    gap = cluster.node.feed.stats.last_gap_seconds
    assert gap is not None
    assert gap > 0
    # A client that reconnects gets events again.
    again = await cluster.client()
    await cluster.subscribe(again, 1, "Game", {})
    await wait_for(lambda: cluster.embedded.redis is not None, "publisher")
    await cluster.rest.create("Game", {"score": 2})
    assert (await recv(again))["op"] == "create"


async def test_parse_unreachable_withholds_then_resyncs(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    embedded = EmbeddedServer(make_config(redis_url=redis_server.url))
    await embedded.start()
    assert embedded.port is not None
    proxy = await CuttableProxy(embedded.port).start()
    parse_url = f"http://127.0.0.1:{proxy.port}/parse"
    node = await start_node(embedded.config, parse_url, redis_server.url, cache_timeout=0.5)
    try:
        async with aiohttp.ClientSession() as session:
            rest = Rest(session, embedded.rest_url, embedded.config.master_key)
            cluster = Cluster(embedded, node, rest)
            user = await rest.sign_up("bob")
            token = user["sessionToken"]
            ws = await cluster.client(sessionToken=token)
            assert (await cluster.subscribe(ws, 1, "Secret", {}))["op"] == "subscribed"
            private = {"ACL": {user["objectId"]: {"read": True}}}
            await rest.create("Secret", {"n": 1, **private}, token=token)
            assert (await recv(ws))["object"]["n"] == 1
            proxy.set_cut(True)
            await wait_for(lambda: node.identity.is_unknown(token), "the identity to expire")
            await rest.create("Secret", {"n": 2, **private}, token=token)
            await wait_for(lambda: node.hub.events_withheld >= 1, "a withheld event")
            # A new subscription cannot be checked: refused, retryable.
            refused = await cluster.subscribe(ws, 2, "Secret", {}, sessionToken=token)
            assert refused["op"] == "error"
            assert refused["code"] == 100
            assert refused["reconnect"] is True
            proxy.set_cut(False)
            with pytest.raises(ConnectionClosed) as closed:
                # Nothing but the close may arrive: n=2 was withheld, never sent.
                await recv(ws, 15)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1012
            assert "did not answer" in caplog.text  # the outage is reported...
            for secret in (token, embedded.config.master_key):
                assert secret not in caplog.text  # ...without secrets
    finally:
        await node.stop()
        await proxy.close()
        await embedded.stop()


async def test_a_logout_seen_at_refresh_ends_the_subscriptions_with_209(
    redis_server: RedisServer,
) -> None:
    embedded = EmbeddedServer(make_config(redis_url=redis_server.url))
    await embedded.start()
    node = await start_node(embedded.config, embedded.rest_url, redis_server.url, cache_timeout=0.4)
    try:
        async with aiohttp.ClientSession() as session:
            rest = Rest(session, embedded.rest_url, embedded.config.master_key)
            cluster = Cluster(embedded, node, rest)
            user = await rest.sign_up("dave")
            ws = await cluster.client(sessionToken=user["sessionToken"])
            await cluster.subscribe(ws, 7, "Note", {}, sessionToken=user["sessionToken"])
            await rest("POST", "logout", {}, token=user["sessionToken"])
            ended = await recv(ws)
            assert (ended["op"], ended["code"], ended["requestId"]) == ("unsubscribed", 209, 7)
            await ws.close()
    finally:
        await node.stop()
        await embedded.stop()


async def test_a_published_session_delete_revokes_at_once(
    cluster: Cluster, redis_server: RedisServer
) -> None:
    from redis.asyncio import Redis

    from livequery_cli.server.cluster.parse_messages import encode_delete

    user = await cluster.rest.sign_up("erin")
    token = user["sessionToken"]
    ws = await cluster.client(sessionToken=token)
    await cluster.subscribe(ws, 3, "Note", {}, sessionToken=token)
    session = {"objectId": "s1", "sessionToken": token, "user": {"objectId": user["objectId"]}}
    async with Redis.from_url(redis_server.url) as redis:
        await redis.publish(APP_ID + "afterDelete", encode_delete("_Session", session, None))
    ended = await recv(ws)  # long before the 30 s cache timeout
    assert (ended["op"], ended["code"], ended["requestId"]) == ("unsubscribed", 209, 3)


async def test_connections_per_address_are_limited_as_on_lq_serve(
    redis_server: RedisServer,
) -> None:
    from websockets.exceptions import InvalidStatus

    embedded = EmbeddedServer(make_config())
    await embedded.start()
    node = await start_node(
        embedded.config, embedded.rest_url, redis_server.url, max_connections_per_address=2
    )
    try:
        held = [await connect(node.live_query_url) for _ in range(2)]
        with pytest.raises(InvalidStatus) as refused:
            await connect(node.live_query_url)
        assert refused.value.response.status_code == 429
        await held[0].close()
        await wait_for(lambda: sum(node._per_address.values()) == 1, "a slot to free up")
        again = await connect(node.live_query_url)
        await again.close()
        await held[1].close()
    finally:
        await node.stop()
        await embedded.stop()


async def test_a_loopback_node_refuses_foreign_web_origins(cluster: Cluster) -> None:
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as refused:
        await connect(cluster.node.live_query_url, origin="http://evil.example")  # type: ignore[arg-type]
    assert refused.value.response.status_code == 403
    local = await connect(cluster.node.live_query_url, origin="http://localhost:5173")  # type: ignore[arg-type]
    await local.close()
