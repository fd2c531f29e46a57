"""RestClient against the real Parse Server: objects, queries, paging, errors, users."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from livequery_cli.client.rest import RestClient
from livequery_cli.exceptions import AuthError, RestAuthError, RestError

CLASS = "Item"


def _tag() -> str:
    return uuid.uuid4().hex[:12]


@pytest.fixture
async def master(server: Any) -> AsyncIterator[RestClient]:
    async with RestClient(server.rest_url, server.app_id, master_key=server.master_key) as client:
        yield client


@pytest.fixture
async def public(server: Any) -> AsyncIterator[RestClient]:
    async with RestClient(server.rest_url, server.app_id, javascript_key=server.js_key) as client:
        yield client


async def test_create_get_update_with_field_ops_delete(master: RestClient) -> None:
    tag = _tag()
    created = await master.create(CLASS, {"tag": tag, "score": 1, "items": ["a"]})
    oid = created["objectId"]
    assert isinstance(oid, str)
    assert "createdAt" in created
    got = await master.get(CLASS, oid)
    assert (got["tag"], got["score"], got["items"]) == (tag, 1, ["a"])
    updated = await master.update(
        CLASS,
        oid,
        {
            "score": {"__op": "Increment", "amount": 41},
            "items": {"__op": "AddUnique", "objects": ["a", "b"]},
        },
    )
    assert "updatedAt" in updated
    got = await master.get(CLASS, oid, keys=["score", "items"])
    assert (got["score"], got["items"]) == (42, ["a", "b"])
    assert "tag" not in got
    await master.delete(CLASS, oid)
    with pytest.raises(RestError) as excinfo:
        await master.get(CLASS, oid)
    assert (excinfo.value.status, excinfo.value.code) == (404, 101)
    assert not isinstance(excinfo.value, AuthError)  # 101 means "no such object" here


async def test_find_with_where_keys_order_limit_skip_and_count(master: RestClient) -> None:
    tag = _tag()
    for score in (5, 1, 4, 2, 3):
        await master.create(CLASS, {"tag": tag, "score": score, "other": "x"})
    where = {"tag": tag, "score": {"$gte": 2}}
    found = await master.find(CLASS, where, keys=["score"], order="-score", limit=2, skip=1)
    assert [o["score"] for o in found] == [4, 3]
    assert all("other" not in o for o in found)
    found = await master.find(CLASS, {"tag": tag}, order=["score"])
    assert [o["score"] for o in found] == [1, 2, 3, 4, 5]
    assert await master.count(CLASS, where) == 4
    assert await master.count(CLASS, {"tag": "no such tag " + tag}) == 0


async def test_find_all_pages_through_more_than_one_page_in_objectid_order(
    master: RestClient,
) -> None:
    tag = _tag()
    ids = sorted(
        [(await master.create(CLASS, {"tag": tag, "n": n}))["objectId"] for n in range(23)]
    )
    seen = [o async for o in master.find_all(CLASS, {"tag": tag}, page_size=5)]
    assert [o["objectId"] for o in seen] == ids
    assert sorted(o["n"] for o in seen) == list(range(23))
    # An exact multiple of the page size ends with one empty page, not a repeat.
    exact = [o async for o in master.find_all(CLASS, {"tag": tag, "n": {"$lt": 20}}, page_size=5)]
    assert len(exact) == 20
    assert len({o["objectId"] for o in exact}) == 20


async def test_find_all_keeps_a_where_that_constrains_objectid(master: RestClient) -> None:
    tag = _tag()
    ids = sorted([(await master.create(CLASS, {"tag": tag}))["objectId"] for _ in range(9)])
    wanted = ids[1::2]
    where = {"tag": tag, "objectId": {"$in": wanted}}
    seen = [o["objectId"] async for o in master.find_all(CLASS, where, keys=["tag"], page_size=2)]
    assert seen == wanted


async def test_find_all_is_exact_while_others_write_between_pages(master: RestClient) -> None:
    tag = _tag()
    ids = sorted([(await master.create(CLASS, {"tag": tag}))["objectId"] for _ in range(12)])
    deleted = ids[-1]
    seen: list[str] = []
    async for obj in master.find_all(CLASS, {"tag": tag}, page_size=4):
        seen.append(obj["objectId"])
        if len(seen) == 4:
            # Between pages: delete an unseen object, and delete a seen one
            # (which a skip-based pager would answer by skipping an object).
            await master.delete(CLASS, deleted)
            await master.delete(CLASS, ids[0])
    assert seen == ids[:-1]


async def test_schemas_need_the_master_key(master: RestClient, public: RestClient) -> None:
    await master.create(CLASS, {"tag": _tag()})
    names = {s["className"] for s in await master.schemas()}
    assert CLASS in names
    with pytest.raises(RestError) as excinfo:
        await public.schemas()
    assert excinfo.value.status in (401, 403)


async def test_health(public: RestClient) -> None:
    assert await public.health() == {"status": "ok"}


async def test_users_sign_up_log_in_me_log_out(server: Any) -> None:
    name = f"user-{_tag()}"
    async with RestClient(server.rest_url, server.app_id, javascript_key=server.js_key) as client:
        user = await client.sign_up(name, "pw-1", color="blue")
        assert user["username"] == name
        assert user["color"] == "blue"
        assert user["sessionToken"].startswith("r:")
        assert "password" not in user
        logged = await client.log_in(name, "pw-1")
        assert logged["objectId"] == user["objectId"]
        token = logged["sessionToken"]
        assert token != user["sessionToken"]
        client.session_token = token
        me = await client.me()
        assert (me["objectId"], me["username"], me["color"]) == (user["objectId"], name, "blue")
        await client.log_out()
        with pytest.raises(RestAuthError) as excinfo:
            await client.me()
        assert (excinfo.value.code, excinfo.value.status) == (209, 400)
        assert token not in str(excinfo.value)
        assert token not in repr(client)


async def test_wrong_password_is_an_auth_error(public: RestClient) -> None:
    name = f"user-{_tag()}"
    await public.sign_up(name, "right")
    with pytest.raises(RestAuthError) as excinfo:
        await public.log_in(name, "wrong")
    assert excinfo.value.code == 101
    assert "wrong" not in str(excinfo.value)


async def test_invalid_session_token_is_an_auth_error(server: Any) -> None:
    token = "r:not-a-real-session-token-1234"
    async with RestClient(
        server.rest_url,
        server.app_id,
        javascript_key=server.js_key,
        session_token=token,
    ) as client:
        with pytest.raises(AuthError) as excinfo:
            await client.find(CLASS, {})
        assert excinfo.value.code == 209
        assert excinfo.value.reconnect is False
        assert token not in str(excinfo.value)


async def test_wrong_application_id_is_refused(server: Any) -> None:
    async with RestClient(server.rest_url, "not-the-app") as client:
        with pytest.raises(RestError) as excinfo:
            await client.find(CLASS, {})
        assert excinfo.value.status == 403


async def test_shared_session_is_left_open(server: Any) -> None:
    async with aiohttp.ClientSession() as session:
        client = RestClient(server.rest_url, server.app_id, session=session)
        assert (await client.health())["status"] == "ok"
        await client.close()
        assert not session.closed
        assert (await client.health())["status"] == "ok"


async def test_batch_reports_each_request(lq_server: Any) -> None:
    """On ``lq serve`` only: Parse Server 9.10.0 answers every batch with a 500.

    (Its ``PromiseRouter.match`` reads ``layer.params``, which the ``router``
    2.x package it ships with no longer sets, so every sub-request throws.)
    """
    async with RestClient(
        lq_server.rest_url, lq_server.app_id, master_key=lq_server.master_key
    ) as client:
        created = await client.create(CLASS, {"tag": _tag(), "n": 1})
        answers = await client.batch(
            [
                {
                    "method": "put",
                    "path": f"classes/{CLASS}/{created['objectId']}",
                    "body": {"n": 2},
                },
                {"method": "POST", "path": f"classes/{CLASS}", "body": {"n": 3}},
                {"method": "DELETE", "path": f"classes/{CLASS}/doesnotexist"},
            ]
        )
        assert "success" in answers[0]
        assert answers[1]["success"]["objectId"]
        assert answers[2]["error"]["code"] == 101
        assert (await client.get(CLASS, created["objectId"]))["n"] == 2
        assert (await client.get(CLASS, answers[1]["success"]["objectId"]))["n"] == 3
