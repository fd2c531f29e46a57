"""``lq serve --redis-url`` publishes ``clearCache`` on role writes, as Parse Server 9 does.

An embedded ``lq serve`` publishes its writes on Redis; Parse's own
LiveQuery node (a Parse Server 9.10 LiveQuery-only process, reading
sessions and roles from the embedded server's REST API) and lq's node both
serve a user subscribed with a session token. Both nodes are told to trust
cached users and roles for a minute. The user's roles get cached while the
user is in no role; then the user joins a role with their own session (the
write after which Parse Server publishes ``{"userId": ...}`` on
``<appId>clearCache``), and objects readable by that role only must reach
the user on both nodes long before the minute is up.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from cluster.node_harness import start_node
from support.fixtures import ParseServerFactory
from support.lq_harness import Live, Rest, RestFailure, make_config
from support.redis import RedisServer
from support.waiting import Deadline
from websockets.asyncio.client import connect

from livequery_cli.server.app import EmbeddedServer
from livequery_cli.server.cluster.redis_feed import redis_client

pytestmark = pytest.mark.parse_server

CACHE_S = 60
#: Well under CACHE_S: an event that only comes once the cache expires fails the test.
DELIVERY_S = 20.0
RETRY_EVERY_S = 0.25


@pytest.fixture
async def embedded(redis_server: RedisServer) -> AsyncIterator[tuple[EmbeddedServer, Rest]]:
    server = EmbeddedServer(make_config(redis_url=redis_server.url))
    await server.start()
    async with aiohttp.ClientSession() as session:
        try:
            yield server, Rest(session, server.rest_url, server.config.master_key)
        finally:
            await server.stop()


async def _live(url: str) -> Live:
    live = Live(await connect(url, max_size=None))
    assert (await live.connect())["op"] == "connected"
    return live


async def _event_for(
    live: Live, object_id: str, limit_s: float, skipped: list[dict[str, Any]] | None = None
) -> dict[str, Any] | None:
    """The next event frame about ``object_id`` within ``limit_s``, else None; frames
    about other objects are passed over (and added to ``skipped``)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit_s
    while (left := end - loop.time()) > 0:
        try:
            frame = await asyncio.wait_for(live.ws.recv(), left)
        except TimeoutError:
            return None
        decoded: dict[str, Any] = orjson.loads(frame)
        if (decoded.get("object") or {}).get("objectId") == object_id:
            return decoded
        if skipped is not None:
            skipped.append(decoded)
    return None


async def test_role_joined_by_own_session_reaches_both_nodes_before_cache_timeout(
    embedded: tuple[EmbeddedServer, Rest],
    redis_server: RedisServer,
    parse_server_factory: ParseServerFactory,
) -> None:
    server, rest = embedded
    config = server.config
    parse_node = await asyncio.to_thread(
        parse_server_factory,
        app_id=config.app_id,
        master_key=config.master_key,
        js_key=config.js_key,
        redis_url=redis_server.url,
        livequery_only=True,
        server_url=server.rest_url,
        cache_timeout_ms=CACHE_S * 1000,
    )
    lq_node = await start_node(config, server.rest_url, redis_server.url, cache_timeout=CACHE_S)
    try:
        tag = uuid.uuid4().hex[:12]
        user = await rest.sign_up(f"u-{tag}", "pw")
        token = user["sessionToken"]
        role = await rest(
            "POST",
            "roles",
            {"name": f"r{tag}", "ACL": {"*": {"read": True}, user["objectId"]: {"write": True}}},
            master=True,
        )
        role_acl = {f"role:r{tag}": {"read": True}, "*": {}}
        nodes = {"Parse": parse_node.ws_url, "lq": lq_node.live_query_url}
        clients = {name: await _live(url) for name, url in nodes.items()}
        for live in clients.values():
            answer = await live.subscribe(1, "Game", {"tag": tag}, sessionToken=token)
            assert answer["op"] == "subscribed", answer

        # Not in the role yet: the nodes look the user's roles up (none) and cache them.
        hidden = await rest.create("Game", {"tag": tag, "n": 0, "ACL": role_acl}, master=True)
        marker = await rest.create("Game", {"tag": tag, "n": -1}, master=True)
        for name, live in clients.items():
            before_marker: list[dict[str, Any]] = []
            event = await _event_for(live, marker["objectId"], DELIVERY_S, before_marker)
            assert event is not None, name
            assert event["op"] == "create", (name, event)
            shown = [f["object"]["objectId"] for f in before_marker if "object" in f]
            assert hidden["objectId"] not in shown, name

        # The user joins the role with their own session: clearCache {userId} goes out.
        relation = {"__op": "AddRelation", "objects": [_pointer(user["objectId"])]}
        await rest.update("_Role", role["objectId"], {"users": relation}, token=token)

        # Writes readable by the role only, until each node shows one (Parse's node
        # clears its cache asynchronously, after a REST lookup of the user's sessions).
        visible = await rest.create("Game", {"tag": tag, "n": 1, "ACL": role_acl}, master=True)
        deadline = Deadline(DELIVERY_S)
        pending = dict(clients)
        n = 1
        while pending:
            deadline.remaining(f"a role-only event on {sorted(pending)}")
            n += 1
            await rest.update("Game", visible["objectId"], {"n": n}, master=True)
            for name, live in list(pending.items()):
                if await _event_for(live, visible["objectId"], RETRY_EVERY_S) is not None:
                    del pending[name]
        for live in clients.values():
            await live.ws.close()
    finally:
        await lq_node.stop()


async def test_clear_cache_names_the_writing_user_and_only_for_a_users_role_write(
    embedded: tuple[EmbeddedServer, Rest], redis_server: RedisServer
) -> None:
    """On the wire, as Parse Server 9 publishes it: ``{"userId": writer}`` on
    ``<appId>clearCache``, before the role's ``afterSave``; a master-key role write
    (no user to name) and a refused write send none."""
    server, rest = embedded
    app_id = server.config.app_id
    bus = redis_client(redis_server.url)
    pubsub = bus.pubsub()
    await pubsub.subscribe(app_id + "clearCache", app_id + "afterSave")
    try:
        tag = uuid.uuid4().hex[:12]
        user = await rest.sign_up(f"v-{tag}", "pw")
        token = user["sessionToken"]
        await rest("POST", "roles", {"name": f"m{tag}", "ACL": {"*": {"read": True}}}, master=True)
        with pytest.raises(RestFailure):
            await rest("POST", "roles", {"name": "no/slash"}, token=token)
        await rest("POST", "roles", {"name": f"u{tag}", "ACL": {"*": {"read": True}}}, token=token)
        seen: list[tuple[str, Any]] = []
        deadline = Deadline(DELIVERY_S)
        while not any(kind == "_Role" and body == f"u{tag}" for kind, body in seen):
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=deadline.remaining("u-role afterSave")
            )
            if message is None:
                continue
            data = orjson.loads(message["data"])
            if message["channel"].decode() == app_id + "clearCache":
                seen.append(("clearCache", data))
            else:
                current = data["currentParseObject"]
                seen.append((current["className"], current.get("name")))
        roles = [entry for entry in seen if entry[0] in ("_Role", "clearCache")]
        assert roles == [
            ("_Role", f"m{tag}"),
            ("clearCache", {"userId": user["objectId"]}),
            ("_Role", f"u{tag}"),
        ]
    finally:
        await pubsub.aclose()
        await bus.aclose()


def _pointer(object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": "_User", "objectId": object_id}
