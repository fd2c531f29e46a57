"""``$regex`` denial of service: patterns that backtrack polynomially must not stall ``lq serve``.

``.*(?:.*)?x`` and its relatives got past the shape check that guarded the
backtracking engine used before: one anonymous REST ``find`` against a
1,500-character value blocked the whole server for seconds, as did one
anonymous create under a matching subscription. ``$regex`` now runs on RE2
(linear time). Each test runs the attack while ``/health`` is probed back to
back and asserts that every probe is answered within 200 ms; the attack's own
duration is not asserted on. Each test has a server of its own: a stalled one
must not take the shared server down with it.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from support.health_probe import while_probing
from support.lq_server import LqServer
from support.raw_live_query import open_anonymous, reply, subscribe_frame

# Each costs time cubic in the length of the string on a backtracking engine.
ATTACK_PATTERNS = [".*(?:.*)?x", "a*(?:a*)?x", "(?:a*)?(?:a*)?x"]
# 1,500 characters blocked the backtracking matcher for 4.4 s per test.
LONG_VALUE = "a" * 1_500
ROUNDS = 5


@pytest.mark.parametrize("pattern", ATTACK_PATTERNS)
async def test_an_anonymous_rest_find_with_a_polynomial_regex_does_not_stall_the_server(
    lq_server_factory: Any, unique_tag: str, pattern: str
) -> None:
    server: LqServer = lq_server_factory()
    try:
        await asyncio.to_thread(server.rest.create, "Game", {"tag": unique_tag, "name": LONG_VALUE})
        hit = await asyncio.to_thread(
            server.rest.create, "Game", {"tag": unique_tag, "name": LONG_VALUE + "x"}
        )
        where = {"tag": unique_tag, "name": {"$regex": pattern}}

        async def attack() -> list[dict[str, Any]]:
            found: list[dict[str, Any]] = []
            for _ in range(ROUNDS):  # anonymous: the REST key only
                found = await asyncio.to_thread(server.rest.find, "Game", where)
            return found

        found, probe = await while_probing(server.rest_url, attack())
        probe.assert_responsive(f"anonymous finds with $regex {pattern!r}")
        assert [obj["objectId"] for obj in found] == [hit["objectId"]]
    finally:
        server.kill()  # a stalled server does not answer a graceful stop


@pytest.mark.parametrize("pattern", ATTACK_PATTERNS)
async def test_a_polynomial_regex_subscription_does_not_stall_the_server_on_a_create(
    lq_server_factory: Any, unique_tag: str, pattern: str
) -> None:
    server: LqServer = lq_server_factory()
    ws = await open_anonymous(server)
    try:
        await ws.send(subscribe_frame(1, {"tag": unique_tag, "name": {"$regex": pattern}}))
        assert (await reply(ws) or {}).get("op") == "subscribed"

        async def attack() -> dict[str, Any]:
            for _ in range(ROUNDS):  # anonymous creates that the pattern does not match
                await asyncio.to_thread(
                    server.rest.create, "Game", {"tag": unique_tag, "name": LONG_VALUE}
                )
            created: dict[str, Any] = await asyncio.to_thread(
                server.rest.create, "Game", {"tag": unique_tag, "name": LONG_VALUE + "x"}
            )
            return created

        hit, probe = await while_probing(server.rest_url, attack())
        probe.assert_responsive(f"anonymous creates under a $regex {pattern!r} subscription")
        event = await reply(ws)
        assert event is not None
        assert event["op"] == "create", event
        assert event["object"]["objectId"] == hit["objectId"]
    finally:
        ws.transport.abort()
        server.kill()
