"""``lq serve --redis-url``: the embedded server's writes fanned out by Parse's own LiveQuery node.

The embedded server (a real ``lq serve`` process) publishes every write on
Redis in Parse Server's format; a Parse Server 9.10 LiveQuery-only node
subscribed to that Redis delivers them to its clients, the same events as
``lq serve`` delivers itself (as a multiset: Parse's node was seen sending an
object's ``delete`` before its ``update``s). Parse's node reads session tokens
from its own database, so only public objects are compared here.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from support.fixtures import ParseServerFactory
from support.lq_server import LqServer
from support.redis import RedisServer
from websockets.asyncio.client import ClientConnection, connect

pytestmark = pytest.mark.parse_server
WAIT_S = 20.0


@pytest.fixture
def publishing_lq(redis_server: RedisServer) -> Iterator[LqServer]:
    server = LqServer(extra_args=("--redis-url", redis_server.url))
    try:
        yield server.start()
    finally:
        server.close()


async def _subscribe(url: str, server: LqServer, tag: str) -> ClientConnection:
    ws = await connect(url)
    hello = {"op": "connect", "applicationId": server.app_id, "javascriptKey": server.js_key}
    await ws.send(orjson.dumps(hello).decode())
    assert orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))["op"] == "connected"
    query = {"className": "Game", "where": {"tag": tag, "score": {"$gt": 10}}}
    await ws.send(orjson.dumps({"op": "subscribe", "requestId": 1, "query": query}).decode())
    assert orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))["op"] == "subscribed"
    return ws


def _event(raw: str | bytes) -> tuple[str, Any, Any]:
    frame = orjson.loads(raw)
    return frame["op"], frame.get("object"), frame.get("original")


async def test_parse_livequery_node_fans_out_lq_serve_writes(
    publishing_lq: LqServer,
    redis_server: RedisServer,
    parse_server_factory: ParseServerFactory,
) -> None:
    parse_node = parse_server_factory(
        app_id=publishing_lq.app_id,
        master_key=publishing_lq.master_key,
        js_key=publishing_lq.js_key,
        redis_url=redis_server.url,
        livequery_only=True,
        server_url=publishing_lq.rest_url,
    )
    tag = uuid.uuid4().hex
    on_parse = await _subscribe(parse_node.ws_url, publishing_lq, tag)
    on_lq = await _subscribe(publishing_lq.ws_url, publishing_lq, tag)
    rest = publishing_lq.rest
    game = await asyncio.to_thread(rest.create, "Game", {"tag": tag, "score": 20})
    await asyncio.to_thread(rest.update, "Game", game["objectId"], {"score": 30})
    await asyncio.to_thread(rest.update, "Game", game["objectId"], {"score": 5})
    await asyncio.to_thread(rest.update, "Game", game["objectId"], {"score": 50})
    await asyncio.to_thread(rest.delete, "Game", game["objectId"])
    ops = ["create", "update", "leave", "enter", "delete"]
    from_lq = [_event(await asyncio.wait_for(on_lq.recv(), WAIT_S)) for _ in ops]
    from_parse = [_event(await asyncio.wait_for(on_parse.recv(), WAIT_S)) for _ in ops]
    assert [op for op, *_ in from_lq] == ops
    # Parse's node can send the delete before the updates (its save path awaits more).
    assert sorted(from_parse, key=repr) == sorted(from_lq, key=repr)
    await on_parse.close()
    await on_lq.close()
