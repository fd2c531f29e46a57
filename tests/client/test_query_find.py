"""``Query``'s one-shot reads through REST, against Parse Server 9 and ``lq serve`` alike."""

from __future__ import annotations

from typing import Any

import pytest

import livequery_cli as lq
from livequery_cli.client.rest import RestClient
from livequery_cli.exceptions import QueryError, WhereSyntaxError


@pytest.fixture
async def rest(server: Any) -> Any:
    client = RestClient(server.rest_url, server.app_id, master_key=server.master_key)
    async with client:
        yield client


async def _players(server: Any, tag: str) -> list[dict[str, Any]]:
    made = []
    for name, score, level in [("ann", 30, 2), ("bob", 10, 5), ("cy", 20, 5), ("di", 40, 1)]:
        obj = server.rest.create(
            "QfPlayer", {"tag": tag, "name": name, "score": score, "level": level}, master=True
        )
        made.append({**obj, "name": name})
    return made


async def test_find_orders_pages_and_selects(
    server: Any, rest: RestClient, unique_tag: str
) -> None:
    await _players(server, unique_tag)
    query = lq.Query("QfPlayer").equal_to("tag", unique_tag).descending("score").skip(1).limit(2)
    found = await query.find(rest=rest)
    assert [o["name"] for o in found] == ["ann", "cy"]
    first = (
        await lq.Query("QfPlayer").equal_to("tag", unique_tag).ascending("score").first(rest=rest)
    )
    assert first is not None
    assert first["name"] == "bob"
    assert await lq.Query("QfPlayer").equal_to("tag", unique_tag).count(rest=rest) == 4
    none = await lq.Query("QfPlayer").equal_to("tag", unique_tag + "-none").first(rest=rest)
    assert none is None


async def test_filter_takes_the_where_language(
    server: Any, rest: RestClient, unique_tag: str
) -> None:
    await _players(server, unique_tag)
    query = lq.Query("QfPlayer").equal_to("tag", unique_tag).filter("score >= 20 and level = 5")
    assert [o["name"] for o in await query.find(rest=rest)] == ["cy"]
    with pytest.raises(WhereSyntaxError):
        lq.Query("QfPlayer").filter("score => 1")


async def test_find_all_pages_through_everything(
    server: Any, rest: RestClient, unique_tag: str
) -> None:
    made = await _players(server, unique_tag)
    query = lq.Query("QfPlayer").equal_to("tag", unique_tag)
    seen = [o["objectId"] async for o in query.find_all(rest=rest, page_size=3)]
    assert sorted(seen) == sorted(o["objectId"] for o in made)
    with pytest.raises(QueryError):
        async for _ in lq.Query("QfPlayer").limit(1).find_all(rest=rest):
            pass


async def test_matches_query_and_include(server: Any, rest: RestClient, unique_tag: str) -> None:
    players = await _players(server, unique_tag)
    pointer = {"__type": "Pointer", "className": "QfPlayer", "objectId": players[1]["objectId"]}
    server.rest.create("QfGame", {"tag": unique_tag, "player": pointer, "score": 1}, master=True)
    strong = lq.Query("QfPlayer").greater_than("level", 3)
    query = lq.Query("QfGame").equal_to("tag", unique_tag).matches_query("player", strong)
    [game] = await query.include("player").find(rest=rest)
    assert game["player"]["name"] == "bob"


async def test_the_standard_api_reads_with_the_configured_app(server: Any, unique_tag: str) -> None:
    await _players(server, unique_tag)
    lq.configure(server.rest_url, server.app_id, javascript_key=server.js_key)
    try:
        assert await lq.Query("QfPlayer").equal_to("tag", unique_tag).count() == 4
    finally:
        await lq.LiveQuery.close()
