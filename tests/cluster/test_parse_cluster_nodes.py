"""Several LiveQuery nodes on one Redis; the JS SDK and ``lq tail`` through lq's node.

- Two ``lq serve --parse-server`` nodes and Parse's own node share one Redis:
  each client, on whichever node, gets each event exactly once.
- The official Parse JS SDK subscribes through lq's node (public and private
  objects, session token).
- ``lq tail --live-query-url A,B``: killing node A moves it to node B, and
  the resync leaves its view equal to the server's ``find``.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from cli.tail.test_resync import Picture, Writer, _expr, server_ids
from cluster.parse_cluster import LqNode, lq_node, parse, redis_bus
from support.fixtures import SdkTailFactory
from support.lq_process import LqProcess
from support.parse_server import ParseServer
from support.redis import RedisServer
from support.rest_writer import make_acl
from websockets.asyncio.client import connect

pytestmark = pytest.mark.parse_server
__all__ = ["lq_node", "parse", "redis_bus"]
WAIT_S = 20.0


@pytest.fixture(scope="module")
def second_node(parse: ParseServer, redis_bus: RedisServer) -> Iterator[LqNode]:
    node = LqNode(parse, redis_bus)
    try:
        yield node.start()
    finally:
        node.close()


async def test_each_client_gets_each_event_once_on_any_node(
    parse: ParseServer, lq_node: LqNode, second_node: LqNode
) -> None:
    tag = uuid.uuid4().hex
    urls = {"lq-a": lq_node.ws_url, "lq-b": second_node.ws_url, "parse": parse.ws_url}
    frames: dict[str, list[dict[str, Any]]] = {name: [] for name in urls}
    sockets = []
    pumps = []
    for name, url in urls.items():
        for _copy in range(2):
            ws = await connect(url)
            sockets.append(ws)
            hello = {"op": "connect", "applicationId": parse.app_id, "javascriptKey": parse.js_key}
            await ws.send(orjson.dumps(hello).decode())
            sub = {
                "op": "subscribe",
                "requestId": 1,
                "query": {"className": "Game", "where": {"tag": tag}},
            }
            await ws.send(orjson.dumps(sub).decode())
            for _ in range(2):  # connected, subscribed
                answer = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
                assert answer["op"] in ("connected", "subscribed"), answer

            async def pump(ws: Any = ws, key: str = f"{name}") -> None:
                async for raw in ws:
                    frames[key].append(orjson.loads(raw))

            pumps.append(asyncio.ensure_future(pump()))
    created = []
    for n in range(5):
        obj = await asyncio.to_thread(parse.rest.create, "Game", {"tag": tag, "n": n})
        created.append(obj["objectId"])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while any(len(f) < 2 * len(created) for f in frames.values()):
        assert loop.time() < deadline, {k: len(v) for k, v in frames.items()}
        await asyncio.sleep(0.02)
    fence = await asyncio.to_thread(parse.rest.create, "Game", {"tag": tag, "n": 99})
    while any(
        sum(f["object"]["objectId"] == fence["objectId"] for f in got) < 2
        for got in frames.values()
    ):
        assert loop.time() < deadline
        await asyncio.sleep(0.02)
    for name, got in frames.items():
        counts = Counter(f["object"]["objectId"] for f in got if f["op"] == "create")
        assert counts == Counter({oid: 2 for oid in [*created, fence["objectId"]]}), name
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*pumps, return_exceptions=True)


def test_js_sdk_through_the_lq_node(
    parse: ParseServer, lq_node: LqNode, sdk_tail: SdkTailFactory
) -> None:
    tag = uuid.uuid4().hex
    owner = parse.rest.sign_up(f"sdk-{tag[:8]}", "pw")
    mine = sdk_tail(lq_node, "Secret", {"tag": tag}, session_token=owner["sessionToken"])
    anyone = sdk_tail(lq_node, "Secret", {"tag": tag})
    private = parse.rest.create(
        "Secret", {"tag": tag, "n": 1}, acl=make_acl(readers=[owner["objectId"]]), master=True
    )
    public = parse.rest.create("Secret", {"tag": tag, "n": 2}, acl=None, master=True)
    first, second = mine.next_event(), mine.next_event()
    assert [first["object"]["objectId"], second["object"]["objectId"]] == [
        private["objectId"],
        public["objectId"],
    ]
    assert anyone.next_event()["object"]["objectId"] == public["objectId"]
    parse.rest.update("Secret", public["objectId"], {"n": 3}, master=True)
    update = anyone.next_event()
    assert update["op"] == "update"
    assert update["object"]["n"] == 3


def test_lq_tail_fails_over_to_the_other_lq_node(
    parse: ParseServer, redis_bus: RedisServer
) -> None:
    first, second = LqNode(parse, redis_bus).start(), LqNode(parse, redis_bus).start()
    tag = f"t-{uuid.uuid4().hex}"
    proc = LqProcess(
        ["tail", "Game", *_expr(tag), "--snapshot", "--json", "--status-events"],
        env={
            "LQ_SERVER_URL": parse.rest_url,
            "LQ_APP_ID": parse.app_id,
            "LQ_JS_KEY": parse.js_key,
            "LQ_LIVE_QUERY_URL": f"{first.ws_url},{second.ws_url}",
        },
    )
    try:
        picture = Picture(proc)
        picture.read_until(lambda r: r.get("state") == "synced")
        assert proc.wait_stderr("connected to").endswith(first.ws_url)
        writer = Writer(parse, tag, seed=17)
        writer.run(10)
        first.close()  # SIGKILL
        writer.run(10)
        picture.read_until(lambda r: r.get("state") == "resynced")
        assert proc.wait_stderr("reconnected to").endswith(second.ws_url)
        marker = parse.rest.create("Game", {"tag": tag, "score": 88})
        picture.read_until(lambda r: r.get("id") == marker["objectId"])
        assert set(picture.members) == server_ids(parse, tag)
        proc.signal(signal.SIGINT)
        assert proc.wait() == 130
    finally:
        proc.close()
        first.close()
        second.close()


def test_a_role_removal_stops_role_events_at_once(
    parse: ParseServer, lq_node: LqNode, sdk_tail: SdkTailFactory
) -> None:
    """``_Role`` is published: the node reloads roles before the next event (no cache wait)."""
    tag = uuid.uuid4().hex
    member = parse.rest.sign_up(f"m-{tag[:8]}", "pw")
    role = parse.rest.create_role(f"r{tag[:8]}", users=[member["objectId"]])
    tail = sdk_tail(lq_node, "Secret", {"tag": tag}, session_token=member["sessionToken"])
    for_role = make_acl(readers=[f"role:r{tag[:8]}"])
    first = parse.rest.create("Secret", {"tag": tag, "n": 1}, acl=for_role, master=True)
    assert tail.next_event()["object"]["objectId"] == first["objectId"]
    parse.rest.remove_users_from_role(role["objectId"], [member["objectId"]])
    parse.rest.create("Secret", {"tag": tag, "n": 2}, acl=for_role, master=True)
    fence = parse.rest.create("Secret", {"tag": tag, "n": 3}, acl=None, master=True)
    # Events reach one subscriber in write order on lq's node: n=2 would come before the fence.
    assert tail.next_event()["object"]["objectId"] == fence["objectId"]
