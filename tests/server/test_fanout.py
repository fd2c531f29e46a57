"""Fan-out cost: one serialization per distinct projection, index-bounded matching."""

from __future__ import annotations

import asyncio

from support.lq_harness import Harness

from livequery_cli.server.acl import MASTER


async def test_each_event_is_serialized_once_per_projection(harness: Harness) -> None:
    plain = [await harness.live() for _ in range(20)]
    projected = [await harness.live() for _ in range(10)]
    for live in plain:
        await live.subscribe(1, "Game", {"tag": "fan"})
    for live in projected:
        await live.subscribe(1, "Game", {"tag": "fan"}, keys=["score"])
    hub = harness.server.hub
    before = hub.serializations
    await harness.rest.create("Game", {"tag": "fan", "score": 1, "name": "n"})
    frames = await asyncio.gather(*(live.recv() for live in plain + projected))
    assert all(f["op"] == "create" for f in frames)
    assert len({f["clientId"] for f in frames}) == 30
    assert all("name" not in f["object"] for f in frames[20:])
    assert hub.serializations - before == 2  # full object once, projected object once


async def test_a_write_only_evaluates_subscriptions_it_can_match(harness: Harness) -> None:
    """10,000 subscriptions on distinct equality constraints: a write meets one of them."""
    hub = harness.server.hub

    class Sink:
        master = True
        session_token = None

        def __init__(self) -> None:
            self.received: list[str] = []

        def frame_prefix(self, op: str) -> str:
            return f'{{"op":"{op}"'

        def send(self, frame: str) -> None:
            self.received.append(frame)

        def session_revoked(self, token: str) -> None:
            pass

    sink = Sink()
    for i in range(10_000):
        hub.subscribe(sink, i, "Player", {"name": f"p{i}"}, keys=None, watch=None,
                      session_token=None)  # fmt: skip
    service = harness.server.service
    before = hub.groups_evaluated
    body, _ = service.create("Player", {"name": "p42", "score": 1}, MASTER)
    service.update("Player", body["objectId"], {"name": "p43"}, MASTER)
    assert hub.groups_evaluated - before == 3  # p42 on create, p42 and p43 on the move
    ops = [f.split('"')[3] for f in sink.received]
    assert ops[0] == "create"
    assert sorted(ops[1:]) == ["enter", "leave"]  # two subscriptions, one write: any order
