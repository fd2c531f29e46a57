"""The LiveQuery protocol of ``lq serve``: frames, errors, keys, watch, limits, bad input."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.lq_harness import APP_ID, JS_KEY, Harness, make_config
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from livequery_cli.server.app import EmbeddedServer


async def test_every_event_type_with_frames_as_parse_sends_them(harness: Harness) -> None:
    live = await harness.live(installationId="inst-1")
    sub = await live.subscribe(7, "Game", {"score": {"$gt": 100}})
    assert sub["op"] == "subscribed"
    assert sub["requestId"] == 7
    assert sub["installationId"] == "inst-1"
    assert sub["clientId"]
    rest = harness.rest
    oid = (await rest.create("Game", {"score": 150}))["objectId"]
    create = await live.recv()
    assert create["op"] == "create"
    assert "original" not in create
    assert create["object"]["className"] == "Game"
    assert create["object"]["objectId"] == oid
    assert create["clientId"] == sub["clientId"]
    assert create["installationId"] == "inst-1"
    await rest.update("Game", oid, {"score": 160})
    update = await live.recv()
    assert (update["op"], update["object"]["score"], update["original"]["score"]) == (
        "update", 160, 150,
    )  # fmt: skip
    await rest.update("Game", oid, {"score": 5})
    leave = await live.recv()
    assert (leave["op"], leave["object"]["score"], leave["original"]["score"]) == ("leave", 5, 160)
    await rest.update("Game", oid, {"score": 6})  # matches neither before nor after
    await rest.update("Game", oid, {"score": 200})
    enter = await live.recv()
    assert (enter["op"], enter["object"]["score"], enter["original"]["score"]) == ("enter", 200, 6)
    await rest.delete("Game", oid)
    delete = await live.recv()
    assert delete["op"] == "delete"
    assert delete["object"]["score"] == 200
    await live.send({"op": "unsubscribe", "requestId": 7})
    assert (await live.recv())["op"] == "unsubscribed"
    await rest.create("Game", {"score": 300})
    await live.expect_silence()


async def test_keys_project_and_watch_filters(harness: Harness) -> None:
    live = await harness.live()
    await live.subscribe(1, "Game", {"tag": "kw"}, keys=["score"], watch=["score"])
    rest = harness.rest
    oid = (await rest.create("Game", {"tag": "kw", "score": 1, "name": "x"}))["objectId"]
    create = await live.recv()
    assert set(create["object"]) == {"className", "objectId", "createdAt", "updatedAt", "score"}
    await rest.update("Game", oid, {"name": "y"})  # watched field unchanged: no update
    await rest.update("Game", oid, {"score": 2})
    update = await live.recv()
    assert update["object"]["score"] == 2
    assert "name" not in update["object"]
    assert set(update["original"]) == {"className", "objectId", "createdAt", "updatedAt", "score"}


async def test_update_op_replaces_the_query(harness: Harness) -> None:
    live = await harness.live()
    await live.subscribe(1, "Game", {"tag": "old"})
    await live.send(
        {"op": "update", "requestId": 1, "query": {"className": "Game", "where": {"tag": "new"}}}
    )
    assert (await live.recv())["op"] == "subscribed"
    await harness.rest.create("Game", {"tag": "old"})
    await harness.rest.create("Game", {"tag": "new"})
    assert (await live.recv())["object"]["tag"] == "new"


async def test_errors_use_parse_codes(harness: Harness) -> None:
    live = await harness.live(connect_first=False)
    await live.send({"op": "subscribe", "requestId": 1, "query": {"className": "G", "where": {}}})
    before_connect = await live.recv()
    assert (before_connect["code"], before_connect["reconnect"]) == (2, True)
    await live.send({"op": "connect", "applicationId": "wrong-app"})
    bad_key = await live.recv()
    assert (bad_key["op"], bad_key["code"]) == ("error", 4)
    await live.send({"op": "connect", "applicationId": APP_ID})  # no JavaScript key
    assert (await live.recv())["code"] == 4
    await live.send({"op": "connect", "applicationId": APP_ID, "masterKey": "nope"})
    assert (await live.recv())["code"] == 4
    assert (await live.connect())["op"] == "connected"
    cases: list[tuple[Any, int]] = [
        ("{not json", 1),
        ("[1, 2]", 1),
        ({"op": "dance"}, 1),
        ({"op": "subscribe", "requestId": "x", "query": {"className": "G", "where": {}}}, 1),
        ({"op": "subscribe", "requestId": 1, "query": {"className": "G", "where": {}},
          "fields": ["a"]}, 1),
        ({"op": "subscribe", "requestId": 1, "query": {"className": "G", "where": {},
                                                      "keys": []}}, 1),
        ({"op": "subscribe", "requestId": 1, "query": {"className": "G", "where": 3}}, 1),
        ({"op": "unsubscribe", "requestId": 99}, 2),
        ({"op": "subscribe", "requestId": 2,
          "query": {"className": "G", "where": {"a": {"$select": {}}}}}, 102),
        ({"op": "subscribe", "requestId": 3,
          "query": {"className": "G", "where": {"a": {"$regex": "("}}}}, 102),
        ({"op": "subscribe", "requestId": 4, "sessionToken": "r:bogus",
          "query": {"className": "G", "where": {}}}, 209),
        ({"op": "subscribe", "requestId": 5,
          "query": {"className": "_User", "where": {"password": "x"}}}, 119),
    ]  # fmt: skip
    for frame, code in cases:
        await live.send(frame)
        error = await live.recv()
        assert error["op"] == "error", frame
        assert error["code"] == code, (frame, error)
        assert error["reconnect"] is (code in (1, 2)), (frame, error)
    # The connection survived all of that.
    assert (await live.subscribe(9, "Game", {}))["op"] == "subscribed"


async def test_master_key_connect_and_duplicate_connect(harness: Harness) -> None:
    live = await harness.live(
        connect_first=False,
    )
    await live.send(
        {"op": "connect", "applicationId": APP_ID, "masterKey": harness.server.config.master_key}
    )
    assert (await live.recv())["op"] == "connected"
    await live.send({"op": "connect", "applicationId": APP_ID, "javascriptKey": JS_KEY})
    assert (await live.recv())["code"] == 1


async def test_subscription_limit_per_connection() -> None:
    server = EmbeddedServer(make_config(max_subscriptions=3))
    await server.start()
    try:
        async with connect(server.live_query_url) as ws:
            await ws.send(orjson.dumps({"op": "connect", "applicationId": APP_ID,
                                        "javascriptKey": JS_KEY}).decode())  # fmt: skip
            await asyncio.wait_for(ws.recv(), 5)
            answers = []
            for request_id in range(1, 5):
                query = {"className": "Game", "where": {"n": request_id}}
                await ws.send(orjson.dumps({"op": "subscribe", "requestId": request_id,
                                            "query": query}).decode())  # fmt: skip
                answers.append(orjson.loads(await asyncio.wait_for(ws.recv(), 5)))
            assert [a["op"] for a in answers] == ["subscribed"] * 3 + ["error"]
            assert answers[3]["requestId"] == 4
            assert answers[3]["reconnect"] is False
    finally:
        await server.stop()


async def test_oversized_frame_closes_with_1009() -> None:
    server = EmbeddedServer(make_config(max_frame_bytes=4096))
    await server.start()
    try:
        async with connect(server.live_query_url) as ws:
            await ws.send("x" * 10_000)
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), 5)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1009
        # The server itself is fine.
        async with connect(server.live_query_url) as ws:
            await ws.send(orjson.dumps({"op": "connect", "applicationId": APP_ID,
                                        "javascriptKey": JS_KEY}).decode())  # fmt: skip
            assert orjson.loads(await asyncio.wait_for(ws.recv(), 5))["op"] == "connected"
    finally:
        await server.stop()


async def test_binary_frames_get_an_error(harness: Harness) -> None:
    live = await harness.live()
    await live.ws.send(b"\x00\x01")
    assert (await live.recv())["code"] == 1


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)  # fmt: skip
_frames = st.fixed_dictionaries(
    {"op": st.sampled_from(["connect", "subscribe", "update", "unsubscribe", "x"])},
    optional={
        "requestId": _json_values,
        "query": st.fixed_dictionaries(
            {}, optional={"className": _json_values, "where": _json_values, "keys": _json_values,
                          "watch": _json_values},
        ),
        "applicationId": _json_values,
        "sessionToken": _json_values,
    },
)  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frames=st.lists(_frames, min_size=1, max_size=8))
async def test_generated_frames_never_break_the_server(
    harness: Harness, frames: list[dict[str, Any]]
) -> None:
    async with connect(harness.ws_url) as ws:
        for frame in frames:
            await ws.send(json.dumps(frame))
        # A well-formed client on another connection is still served.
        live = await harness.live()
        assert (await live.subscribe(1, "Game", {}))["op"] == "subscribed"
        await live.ws.close()


async def test_connections_per_address_are_limited() -> None:
    server = EmbeddedServer(make_config(max_connections_per_address=2))
    await server.start()
    try:
        async with connect(server.live_query_url), connect(server.live_query_url):
            with pytest.raises(InvalidStatus) as refused:
                await connect(server.live_query_url)
            assert refused.value.response.status_code == 429
    finally:
        await server.stop()
