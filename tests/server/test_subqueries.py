"""``$inQuery``, ``$notInQuery``, ``$select``, ``$dontSelect``, ``$relatedTo`` and
``redirectClassNameForKey`` in REST ``find``, as Parse Server 9 answers them.

The REST tests run against Parse Server 9 (rig) and ``lq serve`` with Parse's
answers as expectations. LiveQuery keeps refusing the subquery operators
(documented), and REST's refusal of an operator it does not implement no
longer speaks of LiveQuery: those two are ``lq serve``-only.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from support.compat_rest import Scene, names, ptr
from support.lq_server import LqServer
from support.rest_writer import ParseRestError
from websockets.asyncio.client import connect

FRAME_TIMEOUT = 10.0


@pytest.fixture
def scene(server: Any) -> Scene:
    """Players alice (red, only u1 reads her) and bob (blue); posts 1 (by alice), 2 (by bob)."""
    s = Scene(server.rest)
    s.user("u1")
    s.user("u2")
    alice = s.add("alice", "Player", {"nick": "alice", "side": "red"},
                  acl={s.ids["u1"]: {"read": True}})  # fmt: skip
    bob = s.add("bob", "Player", {"nick": "bob", "side": "blue"})
    s.add("p1", "Post", {"rank": 1, "topic": "red", "writer": ptr("Player", alice),
                         "cast": [ptr("Player", alice)]})  # fmt: skip
    s.add("p2", "Post", {"rank": 2, "topic": "green", "writer": ptr("Player", bob),
                         "cast": [ptr("Player", bob), ptr("Player", alice)]})  # fmt: skip
    return s


def _ranks(scene: Scene, where: dict[str, Any], token: str | None = None) -> Any:
    return names(scene.find("Post", where, order="rank", token=token, master=token is None), "rank")


def _alice(scene: Scene) -> dict[str, Any]:
    return {"where": {"nick": "alice", "tag": scene.tag}, "className": "Player"}


def test_in_query_and_not_in_query(scene: Scene) -> None:
    alice = _alice(scene)
    assert _ranks(scene, {"writer": {"$inQuery": alice}}) == [1]
    assert _ranks(scene, {"writer": {"$notInQuery": alice}}) == [2]
    # an array of pointers matches when any element is in the subquery's results
    assert _ranks(scene, {"cast": {"$inQuery": alice}}) == [1, 2]
    assert _ranks(scene, {"cast": {"$notInQuery": alice}}) == []
    # appended to an $in already on the field
    either = {"$inQuery": alice, "$in": [ptr("Player", scene.ids["bob"])]}
    assert _ranks(scene, {"writer": either}) == [1, 2]


def test_subqueries_inside_or_and_nor(scene: Scene) -> None:
    in_alice = {"writer": {"$inQuery": _alice(scene)}}
    assert _ranks(scene, {"$or": [in_alice, {"rank": 2}]}) == [1, 2]
    assert _ranks(scene, {"$and": [in_alice, {"rank": 1}]}) == [1]
    assert _ranks(scene, {"$nor": [in_alice]}) == [2]


def test_select_and_dont_select(scene: Scene) -> None:
    players = {"className": "Player", "where": {"tag": scene.tag}}
    assert _ranks(scene, {"topic": {"$select": {"query": players, "key": "side"}}}) == [1]
    assert _ranks(scene, {"topic": {"$dontSelect": {"query": players, "key": "side"}}}) == [2]
    first = {"className": "Post", "where": {"tag": scene.tag, "rank": 1}}
    assert _ranks(scene, {"writer": {"$select": {"query": first, "key": "writer"}}}) == [1]


def test_subqueries_run_with_the_callers_acl(scene: Scene) -> None:
    alice = {"writer": {"$inQuery": _alice(scene)}}
    assert _ranks(scene, alice, token=scene.tokens["u1"]) == [1]
    assert _ranks(scene, alice, token=scene.tokens["u2"]) == []


@pytest.mark.parametrize(
    "constraint",
    [
        {"$inQuery": {"where": {}}},
        {"$inQuery": {"className": "Player"}},
        {"$notInQuery": "Player"},
        {"$select": {"query": {"className": "Player", "where": {}}}},
        {"$select": {"query": {"className": "Player"}, "key": "side", "extra": 1}},
        {"$dontSelect": {"query": {"where": {}}, "key": "side"}},
    ],
)
def test_improper_subqueries_are_102(scene: Scene, constraint: dict[str, Any]) -> None:
    assert _ranks(scene, {"writer": constraint}) == ("error", 400, 102)


def test_relation_query_on_an_unfetched_parent_redirects_to_the_target_class(
    scene: Scene,
) -> None:
    post = scene.ids["p1"]
    fans = {"__op": "AddRelation", "objects": [ptr("Player", scene.ids["bob"])]}
    scene.rest.update("Post", post, {"fans": fans}, master=True)
    related = {"$relatedTo": {"object": ptr("Post", post), "key": "fans"}}
    answer = scene.get("classes/Post", where=related, redirectClassNameForKey="fans")
    assert answer == {"results": [{
        "className": "Player", "objectId": "bob", "createdAt": "T", "updatedAt": "T",
        "nick": "bob", "side": "blue",
    }]}  # fmt: skip
    # without the redirect the query runs on Post, where no object is in the relation
    assert scene.get("classes/Post", where=related) == {"results": []}


def test_related_to_an_unsaved_parent_finds_nothing(scene: Scene) -> None:
    unsaved = {"$relatedTo": {"object": {"__type": "Pointer", "className": "Post"}, "key": "fans"}}
    assert scene.get("classes/Player", where=unsaved) == {"results": []}
    redirect = scene.get("classes/Post", where=unsaved, redirectClassNameForKey="fans")
    assert redirect == {"results": []}


def test_related_to_an_unreadable_owner_finds_nothing(scene: Scene) -> None:
    secret = scene.add("secret", "Post", {"rank": 9}, acl={scene.ids["u1"]: {"read": True}})
    fans = {"__op": "AddRelation", "objects": [ptr("Player", scene.ids["bob"])]}
    scene.rest.update("Post", secret, {"fans": fans}, master=True)
    related = {"$relatedTo": {"object": ptr("Post", secret), "key": "fans"}}
    assert names(scene.find("Player", related, token=scene.tokens["u1"]), "nick") == ["bob"]
    assert names(scene.find("Player", related, token=scene.tokens["u2"]), "nick") == []


@pytest.mark.parametrize("where", [{"a": {"$text": {"$search": {"$term": "x"}}}},
                                   {"a": {"$elemMatch": {}}}])  # fmt: skip
def test_find_refusal_does_not_speak_of_live_query(lq_server: LqServer, where: Any) -> None:
    with pytest.raises(ParseRestError) as refused:
        lq_server.rest.request("GET", "classes/Post", params={"where": where})
    assert refused.value.code == 102
    assert "LiveQuery" not in refused.value.message
    assert "not supported in find" in refused.value.message


@pytest.mark.parametrize("op", ["$inQuery", "$notInQuery", "$select", "$dontSelect"])
async def test_live_query_still_refuses_subqueries(lq_server: LqServer, op: str) -> None:
    operand = {"where": {}, "className": "Player"}
    if op in ("$select", "$dontSelect"):
        operand = {"query": {"className": "Player", "where": {}}, "key": "side"}
    async with connect(lq_server.ws_url) as ws:
        hello = {"op": "connect", "applicationId": lq_server.app_id,
                 "javascriptKey": lq_server.js_key}  # fmt: skip
        await ws.send(orjson.dumps(hello).decode())
        assert orjson.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT))["op"] == "connected"
        query = {"className": "Post", "where": {"writer": {op: operand}}}
        await ws.send(orjson.dumps({"op": "subscribe", "requestId": 1, "query": query}).decode())
        answer = orjson.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT))
    assert answer["op"] == "error"
    assert answer["code"] == 102
    assert f"LiveQuery cannot evaluate {op}" in answer["error"]


def test_related_to_inside_or_and_beside_an_object_id(scene: Scene) -> None:
    post = scene.ids["p1"]
    fans = {"__op": "AddRelation", "objects": [ptr("Player", scene.ids["bob"])]}
    scene.rest.update("Post", post, {"fans": fans}, master=True)
    related = {"$relatedTo": {"object": ptr("Post", post), "key": "fans"}}
    either = scene.find("Player", {"$or": [related, {"nick": "alice"}]}, order="nick", master=True)
    assert names(either, "nick") == ["alice", "bob"]
    same_id = {**related, "objectId": scene.ids["bob"]}
    assert names(scene.find("Player", same_id, master=True), "nick") == ["bob"]
    other_id = {**related, "objectId": scene.ids["alice"]}
    assert names(scene.find("Player", other_id, master=True), "nick") == []
