"""The library API against a real Parse Server 9: snapshot, then events, resync after a crash."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from support.parse_server import ParseServer

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.client.rest import RestClient
from livequery_cli.synced import ResyncReport, SyncedEvent, subscribe_synced

pytestmark = pytest.mark.parse_server

WAIT_S = 30.0


def _query(tag: str) -> dict[str, Any]:
    return {"className": "Game", "where": {"tag": tag, "score": {"$gt": 50}}}


async def _next(it: Any) -> SyncedEvent:
    event: SyncedEvent = await asyncio.wait_for(it.__anext__(), WAIT_S)
    return event


def _ids(server: ParseServer, tag: str) -> set[str]:
    return {o["objectId"] for o in server.rest.find("Game", _query(tag)["where"], limit=1000)}


async def test_snapshot_then_events_then_synthetic_resync(
    parse_server: ParseServer, unique_tag: str
) -> None:
    rest_w = parse_server.rest
    inside = rest_w.create("Game", {"tag": unique_tag, "score": 60})
    rest_w.create("Game", {"tag": unique_tag, "score": 10})
    client = LiveQueryClient(
        parse_server.app_id,
        parse_server.ws_url,
        javascript_key=parse_server.js_key,
        reconnect=ReconnectPolicy(base=0.2, max_delay=1.0),
    )
    rest = RestClient(
        parse_server.rest_url, parse_server.app_id, javascript_key=parse_server.js_key
    )
    reports: list[ResyncReport] = []
    try:
        sub = await subscribe_synced(client, _query(unique_tag), rest=rest)
        sub.on("synced", reports.append)
        first = await _next(sub)
        assert (first.kind, first.op, first.object["objectId"]) == (
            "snapshot",
            "snapshot",
            inside["objectId"],
        )
        await sub.wait_synced()
        created = rest_w.create("Game", {"tag": unique_tag, "score": 70})
        event = await _next(sub)
        assert (event.op, event.synthetic, event.object["objectId"]) == (
            "create",
            False,
            created["objectId"],
        )

        parse_server.kill()
        await parse_server.restart_async()
        rest_w.update("Game", inside["objectId"], {"score": 1})  # leaves, maybe unseen
        rest_w.update("Game", created["objectId"], {"score": 80})
        seen: dict[str, SyncedEvent] = {}
        while seen.get(inside["objectId"]) is None or (
            seen.get(created["objectId"], event).object.get("score") != 80
        ):
            event = await _next(sub)
            seen[event.object["objectId"]] = event
        assert seen[inside["objectId"]].op == "leave"
        await sub.wait_synced()
        assert [r.kind for r in reports] == ["snapshot", "resync"]
        assert sub.results.keys() == _ids(parse_server, unique_tag) == {created["objectId"]}
    finally:
        await client.close()
        await rest.close()


async def test_standard_api_snapshot_through_query_options(
    parse_server: ParseServer, unique_tag: str
) -> None:
    from livequery_cli.client.query import Query
    from livequery_cli.client.standard import LiveQuery, configure

    there = parse_server.rest.create("Game", {"tag": unique_tag, "score": 3})
    configure(parse_server.rest_url, parse_server.app_id, javascript_key=parse_server.js_key)
    try:
        sub = await Query("Game").equal_to("tag", unique_tag).subscribe(snapshot=True)
        first = await _next(sub)
        assert (first.kind, first.object["objectId"]) == ("snapshot", there["objectId"])
        await sub.wait_synced()
        created = parse_server.rest.create("Game", {"tag": unique_tag, "score": 4})
        event = await _next(sub)
        assert (event.op, event.object["objectId"]) == ("create", created["objectId"])
        assert sub.results.keys() == {there["objectId"], created["objectId"]}
        with pytest.raises(TypeError, match="unexpected subscribe option 'bogus'"):
            await Query("Game").subscribe(bogus=True)  # type: ignore[call-overload]
        await sub.unsubscribe()
    finally:
        await LiveQuery.close()
