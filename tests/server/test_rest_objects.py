"""REST objects API of ``lq serve``: CRUD, field operators, find, batch, errors, keys."""

from __future__ import annotations

import pytest
from support.lq_harness import APP_ID, JS_KEY, Harness, RestFailure


async def test_create_get_update_delete(harness: Harness) -> None:
    rest = harness.rest
    status, created = await rest.raw("POST", "classes/Game", {"score": 5, "name": "a"})
    assert status == 201
    assert set(created) == {"objectId", "createdAt"}
    oid = created["objectId"]
    got = await rest("GET", f"classes/Game/{oid}")
    assert got["score"] == 5
    assert got["name"] == "a"
    assert got["objectId"] == oid
    assert got["createdAt"] == got["updatedAt"] == created["createdAt"]
    updated = await rest.update("Game", oid, {"score": 7})
    assert set(updated) == {"updatedAt"}
    assert (await rest("GET", f"classes/Game/{oid}"))["score"] == 7
    assert await rest.delete("Game", oid) == {}
    with pytest.raises(RestFailure) as failure:
        await rest("GET", f"classes/Game/{oid}")
    assert failure.value.status == 404
    assert failure.value.code == 101


async def test_field_operators(harness: Harness) -> None:
    rest = harness.rest
    oid = (await rest.create("Game", {"score": 1, "tags": ["a"]}))["objectId"]
    answer = await rest.update("Game", oid, {"score": {"__op": "Increment", "amount": 4}})
    assert answer["score"] == 5
    await rest.update("Game", oid, {"tags": {"__op": "Add", "objects": ["b", "a"]}})
    await rest.update("Game", oid, {"tags": {"__op": "AddUnique", "objects": ["a", "c"]}})
    got = await rest("GET", f"classes/Game/{oid}")
    assert got["tags"] == ["a", "b", "a", "c"]
    await rest.update("Game", oid, {"tags": {"__op": "Remove", "objects": ["a"]}})
    await rest.update("Game", oid, {"score": {"__op": "Delete"}})
    got = await rest("GET", f"classes/Game/{oid}")
    assert got["tags"] == ["b", "c"]
    assert "score" not in got
    fresh = await rest.update("Game", oid, {"n": {"__op": "Increment", "amount": 2}})
    assert fresh["n"] == 2


async def test_find_where_order_limit_skip_keys_count(harness: Harness) -> None:
    rest = harness.rest
    for i in range(6):
        await rest.create("Game", {"score": i * 10, "name": f"p{i}", "tag": "find"})
    await rest.create("Game", {"score": 1000, "tag": "other"})
    answer = await rest(
        "GET",
        "classes/Game",
        params={
            "where": {"tag": "find", "score": {"$gte": 20}},
            "order": "-score",
            "limit": "2",
            "skip": "1",
            "keys": "name",
            "count": "1",
        },
    )
    assert answer["count"] == 4
    assert [r["name"] for r in answer["results"]] == ["p4", "p3"]
    assert all("score" not in r and "objectId" in r for r in answer["results"])
    only_count = await rest(
        "GET", "classes/Game", params={"where": {"tag": "find"}, "limit": "0", "count": "1"}
    )
    assert only_count == {"results": [], "count": 6}


async def test_find_rejects_an_in_query_without_a_class(harness: Harness) -> None:
    # find runs $inQuery (tests/server/test_subqueries.py); without className it is 102.
    with pytest.raises(RestFailure) as failure:
        await harness.rest(
            "GET", "classes/Game", params={"where": {"x": {"$inQuery": {"where": {}}}}}
        )
    assert failure.value.code == 102
    assert failure.value.status == 400


async def test_schema_mismatch_and_bad_field_names(harness: Harness) -> None:
    rest = harness.rest
    await rest.create("Game", {"score": 1})
    with pytest.raises(RestFailure) as failure:
        await rest.create("Game", {"score": "high"})
    assert failure.value.code == 111
    with pytest.raises(RestFailure) as failure:
        await rest.create("Game", {"bad-name": 1})
    assert failure.value.code == 105
    with pytest.raises(RestFailure) as failure:
        await rest.create("Bad-Class", {"a": 1})
    assert failure.value.code == 103


async def test_keys_are_checked(harness: Harness) -> None:
    rest = harness.rest
    status, body = await rest.raw("GET", "classes/Game", headers={"X-Parse-Application-Id": "x"})
    assert (status, body) == (403, {"error": "unauthorized"})
    status, body = await rest.raw("GET", "classes/Game", headers={"X-Parse-Application-Id": APP_ID})
    assert status == 403  # the server has a JavaScript key: a client must send it
    status, body = await rest.raw(
        "GET",
        "classes/Game",
        headers={"X-Parse-Application-Id": APP_ID, "X-Parse-Master-Key": "wrong"},
    )
    assert status == 403
    status, body = await rest.raw(
        "GET",
        "classes/Game",
        headers={"X-Parse-Application-Id": APP_ID, "X-Parse-Session-Token": "r:nope",
                 "X-Parse-REST-API-Key": JS_KEY},
    )  # fmt: skip
    assert status == 400
    assert body["code"] == 209


async def test_js_sdk_body_style(harness: Harness) -> None:
    """The JS SDK POSTs text/plain JSON with ``_method`` and the keys in the body."""
    session, url = harness.rest.session, harness.server.rest_url
    base = {"_ApplicationId": APP_ID, "_JavaScriptKey": JS_KEY, "_ClientVersion": "js8.6.2"}
    async with session.post(
        f"{url}/classes/Game", data=_json({**base, "score": 3, "tag": "sdk"}),
        headers={"Content-Type": "text/plain"},
    ) as response:  # fmt: skip
        assert response.status == 201
        oid = (await response.json(content_type=None))["objectId"]
    async with session.post(
        f"{url}/classes/Game",
        data=_json({**base, "_method": "GET", "where": {"tag": "sdk"}, "limit": 5}),
        headers={"Content-Type": "text/plain"},
    ) as response:
        found = await response.json(content_type=None)
    assert [r["objectId"] for r in found["results"]] == [oid]
    assert "_ApplicationId" not in found["results"][0]


def _json(value: object) -> bytes:
    import orjson

    return orjson.dumps(value)


async def test_batch(harness: Harness) -> None:
    rest = harness.rest
    answer = await rest(
        "POST",
        "batch",
        {
            "requests": [
                {"method": "POST", "path": "/parse/classes/Game", "body": {"score": 1}},
                {"method": "POST", "path": "/classes/Game", "body": {"score": "bad"}},
                {"method": "GET", "path": "/parse/classes/Game/missing"},
            ]
        },
    )
    assert "objectId" in answer[0]["success"]
    assert answer[1]["error"]["code"] == 111
    assert answer[2]["error"]["code"] == 101


async def test_schemas_need_master_key_and_health_needs_nothing(harness: Harness) -> None:
    rest = harness.rest
    await rest.create("Game", {"score": 1, "at": {"__type": "Date", "iso": "2026-01-01T00:00:00Z"}})
    status, _ = await rest.raw("GET", "schemas")
    assert status == 403
    schemas = await rest("GET", "schemas", master=True)
    game = next(s for s in schemas["results"] if s["className"] == "Game")
    assert game["fields"]["score"] == {"type": "Number"}
    assert game["fields"]["at"] == {"type": "Date"}
    status, _ = await rest.raw("POST", "schemas/Game", {"className": "Game"}, master=True)
    assert status == 400
    status, body = await rest.raw("GET", "health", headers={})
    assert (status, body) == (200, {"status": "ok"})


async def test_acl_and_master_key_on_reads_and_writes(harness: Harness) -> None:
    rest = harness.rest
    alice = await rest.sign_up("alice")
    bob = await rest.sign_up("bob")
    acl = {alice["objectId"]: {"read": True, "write": True}, "*": {"read": True}}
    oid = (await rest.create("Note", {"text": "hi", "ACL": acl}, token=alice["sessionToken"]))[
        "objectId"
    ]
    assert (await rest("GET", f"classes/Note/{oid}"))["text"] == "hi"
    with pytest.raises(RestFailure) as failure:
        await rest.update("Note", oid, {"text": "bob was here"}, token=bob["sessionToken"])
    assert failure.value.code == 101
    await rest.update("Note", oid, {"text": "mine"}, token=alice["sessionToken"])
    private = {alice["objectId"]: {"read": True}}
    await rest.update("Note", oid, {"ACL": private}, master=True)
    for kwargs in ({}, {"token": bob["sessionToken"]}):
        found = await rest("GET", "classes/Note", params={"where": {"objectId": oid}}, **kwargs)
        assert found["results"] == []
    assert (await rest("GET", f"classes/Note/{oid}", token=alice["sessionToken"]))["text"] == "mine"
    assert (await rest("GET", f"classes/Note/{oid}", master=True))["text"] == "mine"


async def test_role_acl_with_nested_roles(harness: Harness) -> None:
    rest = harness.rest
    carol = await rest.sign_up("carol")
    dave = await rest.sign_up("dave")
    staff = await rest.role("staff", users=[carol["objectId"]])
    await rest.role("admins", roles=[staff["objectId"]])
    oid = (await rest.create("Doc", {"t": 1, "ACL": {"role:admins": {"read": True}}}))["objectId"]
    assert (await rest("GET", f"classes/Doc/{oid}", token=carol["sessionToken"]))["t"] == 1
    with pytest.raises(RestFailure):
        await rest("GET", f"classes/Doc/{oid}", token=dave["sessionToken"])
    await rest(
        "PUT", f"roles/{staff['objectId']}",
        {"users": {"__op": "RemoveRelation",
                   "objects": [{"__type": "Pointer", "className": "_User",
                                "objectId": carol["objectId"]}]}},
        master=True,
    )  # fmt: skip
    with pytest.raises(RestFailure):
        await rest("GET", f"classes/Doc/{oid}", token=carol["sessionToken"])


async def test_related_to_lists_relation_members(harness: Harness) -> None:
    rest = harness.rest
    lena = await rest.sign_up("lena")
    await rest.sign_up("mo")
    role = await rest.role("readers", users=[lena["objectId"]])
    pointer = {"__type": "Pointer", "className": "_Role", "objectId": role["objectId"]}
    found = await rest(
        "GET", "users", params={"where": {"$relatedTo": {"object": pointer, "key": "users"}}},
        master=True,
    )  # fmt: skip
    assert [u["username"] for u in found["results"]] == ["lena"]


async def test_equal_to_on_a_relation_finds_its_holders(harness: Harness) -> None:
    """``new Parse.Query(Parse.Role).equalTo("users", user)``: the roles of a user."""
    rest = harness.rest
    nia = await rest.sign_up("nia")
    await rest.role("editors", users=[nia["objectId"]])
    await rest.role("viewers")
    user = {"__type": "Pointer", "className": "_User", "objectId": nia["objectId"]}
    found = await rest("GET", "roles", params={"where": {"users": user}}, master=True)
    assert [r["name"] for r in found["results"]] == ["editors"]
    assert found["results"][0]["users"] == {"__type": "Relation", "className": "_User"}
