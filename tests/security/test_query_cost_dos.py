"""Query cost: one anonymous LiveQuery connection must not exhaust the server's memory.

Forty ``subscribe`` frames of ~0.85 MB (a large ``$in``) grew ``lq serve`` from
41 MiB to 1,778 MiB and blocked its event loop ~0.3 s each. Queries are now
measured before they are compiled (too large: 102, in REST ``find`` too) and
each connection's subscriptions are charged against a memory budget (over
it: 155). These tests run the attacks against a real ``lq serve`` process,
measure its RSS from ``/proc/<pid>/status``, and probe ``/health``
throughout: every probe must be answered within 200 ms.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from support.health_probe import while_probing
from support.lq_server import LqServer
from support.raw_live_query import open_anonymous, reply, subscribe_frame
from support.rest_writer import ParseRestError

from livequery_cli.matching.limits import MAX_QUERY_LIST_ITEMS
from livequery_cli.parse.errors import ErrorCode
from livequery_cli.server.server_config import DEFAULT_SUBSCRIPTION_MEMORY

MIB = 1 << 20


def _rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def _big_in(values: int, tag: str, salt: int) -> dict[str, Any]:
    """A ``where`` with an ``$in`` of ``values`` distinct 8-character strings."""
    return {"tag": tag, "f": {"$in": [f"{salt:02d}{i:06d}" for i in range(values)]}}


async def test_subscribe_frames_with_huge_in_lists_are_refused_and_memory_stays_bounded(
    lq_server_factory: Any, unique_tag: str
) -> None:
    server: LqServer = lq_server_factory()
    assert server.pid is not None
    ws = await open_anonymous(server)
    before = _rss_bytes(server.pid)
    peak = before

    async def attack() -> list[dict[str, Any] | None]:
        nonlocal peak
        answers = []
        for request_id in range(1, 41):  # 40 frames of ~0.85 MB: an $in of 85,000 values
            frame = subscribe_frame(request_id, _big_in(85_000, unique_tag, request_id))
            assert len(frame) > 800_000
            await ws.send(frame)
            answers.append(await reply(ws))
            peak = max(peak, _rss_bytes(server.pid or 0))
        return answers

    try:
        answers, probe = await while_probing(server.rest_url, attack())
        probe.assert_responsive("40 subscribes of 0.85 MB $in lists")
        for answer in answers:
            assert answer is not None
            assert answer["op"] == "error", answer
            assert answer["code"] == ErrorCode.INVALID_QUERY, answer
            assert "$in has 85000 values" in answer["error"], answer
            assert answer["reconnect"] is False
        grown = peak - before
        assert grown < 64 * MIB, f"lq serve grew {grown / MIB:.0f} MiB for refused subscribes"
    finally:
        ws.transport.abort()
        server.kill()


async def test_subscriptions_beyond_the_connection_budget_get_error_frames(
    lq_server_factory: Any, unique_tag: str
) -> None:
    server: LqServer = lq_server_factory()
    assert server.pid is not None
    ws = await open_anonymous(server)
    before = _rss_bytes(server.pid)
    peak = before

    async def attack() -> list[dict[str, Any] | None]:
        nonlocal peak
        answers = []
        for request_id in range(1, 61):  # each ~110 kB, within every per-query limit
            where = _big_in(MAX_QUERY_LIST_ITEMS, unique_tag, request_id)
            await ws.send(subscribe_frame(request_id, where))
            answers.append(await reply(ws))
            peak = max(peak, _rss_bytes(server.pid or 0))
        return answers

    try:
        answers, probe = await while_probing(server.rest_url, attack())
        probe.assert_responsive("60 subscribes of 10,000-value $in lists on one connection")
        ops = [(answer or {}).get("op") for answer in answers]
        accepted = ops.count("subscribed")
        assert 10 <= accepted < 60, ops
        assert ops == ["subscribed"] * accepted + ["error"] * (60 - accepted), ops
        refused = answers[accepted]
        assert refused is not None
        assert refused["code"] == ErrorCode.REQUEST_LIMIT_EXCEEDED, refused
        assert "more than the maximum allowed 64.0 MiB" in refused["error"], refused
        assert refused["requestId"] == accepted + 1
        grown = peak - before
        assert grown < DEFAULT_SUBSCRIPTION_MEMORY * 1.5, (
            f"lq serve grew {grown / MIB:.0f} MiB for one connection's subscriptions"
        )

        # Unsubscribing gives the budget back; the accepted subscriptions still work.
        await ws.send('{"op":"unsubscribe","requestId":1}')
        assert (await reply(ws) or {}).get("op") == "unsubscribed"
        await ws.send(subscribe_frame(1, _big_in(MAX_QUERY_LIST_ITEMS, unique_tag, 1)))
        assert (await reply(ws) or {}).get("op") == "subscribed"
        created = await asyncio.to_thread(
            server.rest.create, "Game", {"tag": unique_tag, "f": "02000007"}
        )
        event = await reply(ws)
        assert event is not None
        assert event["op"] == "create", event
        assert event["requestId"] == 2
        assert event["object"]["objectId"] == created["objectId"]
    finally:
        ws.transport.abort()
        server.kill()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        pytest.param(
            {"f": {"$in": list(range(MAX_QUERY_LIST_ITEMS + 1))}}, "$in has 10001 values", id="in"
        ),
        pytest.param({"f": {"$nin": list(range(MAX_QUERY_LIST_ITEMS + 1))}}, "$nin has", id="nin"),
        pytest.param({"f": {"$all": list(range(MAX_QUERY_LIST_ITEMS + 1))}}, "$all has", id="all"),
        pytest.param({"$or": [{"f": i} for i in range(6000)]}, "conditions", id="conditions"),
        pytest.param({"f": [[i, i] for i in range(20_000)]}, "values", id="nodes"),
        pytest.param({"f": ["x" * 50_000] * 25}, "bytes", id="bytes"),
    ],
)
async def test_rest_find_refuses_queries_over_the_same_limits(
    lq_server: LqServer, where: dict[str, Any], message: str
) -> None:
    with pytest.raises(ParseRestError) as refused:  # anonymous: the REST key only
        await asyncio.to_thread(lq_server.rest.request, "POST", "classes/Game",
                                {"_method": "GET", "where": where})  # fmt: skip
    assert refused.value.code == ErrorCode.INVALID_QUERY, refused.value
    assert message in str(refused.value), refused.value
