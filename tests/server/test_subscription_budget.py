"""The LiveQuery subscription budget, in process: replacing, releasing, and ``_Session``."""

from __future__ import annotations

from typing import Any

from support.lq_harness import Harness

from livequery_cli.matching.limits import MAX_QUERY_CONDITIONS, MAX_QUERY_LIST_ITEMS
from livequery_cli.parse.errors import ErrorCode


def _big_in(salt: int) -> dict[str, Any]:
    return {"f": {"$in": [f"{salt:03d}{i:06d}" for i in range(MAX_QUERY_LIST_ITEMS)]}}


async def _fill(live: Any) -> int:
    """Subscribe large queries until the budget refuses one; the number accepted."""
    for request_id in range(1, 200):
        answer = await live.subscribe(request_id, "Game", _big_in(request_id))
        if answer["op"] == "error":
            assert answer["code"] == ErrorCode.REQUEST_LIMIT_EXCEEDED, answer
            assert answer["requestId"] == request_id
            return request_id - 1
        assert answer["op"] == "subscribed", answer
    raise AssertionError("the budget never refused a subscription")


async def test_an_update_replacing_a_subscription_is_charged_only_once(harness: Harness) -> None:
    live = await harness.live()
    accepted = await _fill(live)
    # Replacing subscription 1 by a query of the same size fits: its old cost is released.
    await live.send({"op": "update", "requestId": 1,
                     "query": {"className": "Game", "where": _big_in(500)}})  # fmt: skip
    assert (await live.recv())["op"] == "subscribed"
    # A new one still does not.
    refused = await live.subscribe(accepted + 1, "Game", _big_in(501))
    assert refused["code"] == ErrorCode.REQUEST_LIMIT_EXCEEDED


async def test_each_connection_has_a_budget_of_its_own(harness: Harness) -> None:
    first = await harness.live()
    accepted = await _fill(first)
    second = await harness.live()
    assert await _fill(second) == accepted


async def test_a_session_query_over_the_limits_gets_102_not_an_internal_error(
    harness: Harness,
) -> None:
    user = await harness.rest.sign_up("budget-user")
    live = await harness.live(sessionToken=user["sessionToken"])
    # At the limit itself; the server's own $and with the user pointer goes over it.
    where = {"$or": [{"n": i} for i in range(MAX_QUERY_CONDITIONS - 1)]}
    answer = await live.subscribe(1, "_Session", where)
    assert answer["op"] == "error", answer
    assert answer["code"] == ErrorCode.INVALID_QUERY, answer
    assert "conditions" in answer["error"]
