"""REST ``find`` paged by ``objectId`` (how clients read result sets of any size).

``RestClient.find_all`` and the resync after a reconnect ask for
``order=objectId`` and ``objectId > <last id>``: each page must return exactly
the next objects and cost what it returns, not a scan of the whole class (with
100,000 objects a full scan per page made a resync take minutes).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from support.lq_harness import Harness


async def _page(harness: Harness, where: dict[str, Any], limit: int) -> list[str]:
    params = {"where": orjson.dumps(where).decode(), "order": "objectId", "limit": str(limit)}
    answer = await harness.rest("GET", "classes/Item", params=params, master=True)
    return [obj["objectId"] for obj in answer["results"]]


@pytest.fixture
async def items(harness: Harness, unique_tag: str) -> list[str]:
    ids = []
    for n in range(60):
        made = await harness.rest("POST", "classes/Item", {"tag": unique_tag, "n": n}, master=True)
        ids.append(made["objectId"])
    await harness.rest("POST", "classes/Item", {"tag": "someone-else"}, master=True)
    return sorted(ids)


@pytest.mark.parametrize("cursor_style", ["top-level", "and"])
async def test_pages_by_object_id_return_every_object_once_in_order(
    harness: Harness, items: list[str], unique_tag: str, cursor_style: str
) -> None:
    seen: list[str] = []
    last: str | None = None
    while True:
        where: dict[str, Any] = {"tag": unique_tag}
        if last is not None:
            cursor = {"objectId": {"$gt": last}}
            where = (
                {**where, **cursor} if cursor_style == "top-level" else {"$and": [where, cursor]}
            )
        page = await _page(harness, where, 7)
        seen += page
        if len(page) < 7:
            break
        last = page[-1]
    assert seen == items


async def test_a_deep_page_looks_only_at_what_follows_the_cursor(
    harness: Harness, items: list[str], unique_tag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = harness.server.service
    looked_at: list[str] = []
    original_view = service.view

    def counting_view(class_name: str, body: Any, identity: Any) -> Any:
        looked_at.append(body["objectId"])
        return original_view(class_name, body, identity)

    monkeypatch.setattr(service, "view", counting_view)
    cursor = items[49]
    page = await _page(harness, {"tag": unique_tag, "objectId": {"$gt": cursor}}, 5)
    assert page == items[50:55]
    assert all(oid > cursor for oid in looked_at)
    assert len(looked_at) <= 5 + 1  # the page, plus at most the other tag's object


async def test_gte_cursor_includes_the_bound(
    harness: Harness, items: list[str], unique_tag: str
) -> None:
    page = await _page(harness, {"tag": unique_tag, "objectId": {"$gte": items[10]}}, 3)
    assert page == items[10:13]
