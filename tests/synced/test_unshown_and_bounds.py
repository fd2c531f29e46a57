"""``SyncEngine``/``ResultView``: what a silent seed absorbed, and the view's memory bound."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from livequery_cli.synced import ResultView, SyncEngine


def obj(oid: str, t: int, **fields: Any) -> dict[str, Any]:
    return {"objectId": oid, "updatedAt": f"2026-01-01T00:00:{t:02d}.000Z", **fields}


def stamp(t: int) -> str:
    return f"2026-01-01T00:00:{t:02d}.000Z"


class Recorder:
    def __init__(self) -> None:
        self.out: list[tuple[str, str, str, bool]] = []
        self.objects: list[dict[str, Any]] = []

    def live(self, op: str, o: dict[str, Any], original: Any) -> None:
        self.out.append((op, o["objectId"], "event", False))
        self.objects.append(o)

    def marked(
        self, op: str, o: dict[str, Any], original: Any, *, kind: str, synthetic: bool
    ) -> None:
        self.out.append((op, o["objectId"], kind, synthetic))
        self.objects.append(o)


class Server:
    """A ``find`` that answers what ``result`` holds when it is called."""

    def __init__(self, result: dict[str, dict[str, Any]]) -> None:
        self.result = result
        self.gate: asyncio.Future[None] | None = None

    async def fetch(self) -> dict[str, dict[str, Any]]:
        if self.gate is not None:
            await self.gate
        return dict(self.result)


def seeded(server: Server, rec: Recorder, started_at: str | None) -> SyncEngine:
    return SyncEngine(
        server.fetch,
        live=rec.live,
        marked=rec.marked,
        first="seed",
        keep_objects=False,
        unshown_after=started_at,
    )


async def test_a_seed_object_written_after_the_start_whose_event_is_lost_comes_back() -> None:
    server = Server({"old": obj("old", 1), "new": obj("new", 7, blob="z")})
    rec = Recorder()
    engine = seeded(server, rec, started_at=stamp(5))
    engine.start()
    await engine.wait_loaded()
    assert rec.out == []  # silent: "old" was there before the tail started
    engine.interrupted()  # "new"'s event was lost with the socket
    engine.reopened()
    await engine.wait_loaded()
    assert rec.out == [("enter", "new", "event", True)]
    assert rec.objects[0]["blob"] == "z"  # the object as the find has it, not a stub
    engine.interrupted()
    engine.reopened()
    await engine.wait_loaded()
    assert len(rec.out) == 1, "printed once"


async def test_an_event_that_arrives_clears_the_mark() -> None:
    server = Server({"new": obj("new", 7)})
    rec = Recorder()
    engine = seeded(server, rec, started_at=stamp(5))
    engine.start()
    await engine.wait_loaded()
    engine.event("create", obj("new", 7), None)  # the event was only late
    engine.interrupted()
    engine.reopened()
    await engine.wait_loaded()
    assert rec.out == [("create", "new", "event", False)]


async def test_a_noted_event_during_the_seed_counts_as_shown() -> None:
    server = Server({"a": obj("a", 7), "b": obj("b", 8)})
    server.gate = asyncio.get_running_loop().create_future()
    rec = Recorder()
    engine = seeded(server, rec, started_at=stamp(5))
    engine.start()
    engine.event("create", obj("a", 7), None)  # shown live while the seed ran
    engine.event("create", obj("b", 6), None)  # shown at 6; the find has 8 (lost update)
    server.gate.set_result(None)
    await engine.wait_loaded()
    engine.interrupted()
    engine.reopened()
    await engine.wait_loaded()
    assert rec.out[2:] == [("update", "b", "event", True)]


async def test_a_seed_cut_before_it_finished_reveals_at_once_and_holds_new_events() -> None:
    server = Server({"old": obj("old", 1)})
    server.gate = asyncio.get_running_loop().create_future()
    rec = Recorder()
    engine = seeded(server, rec, started_at=stamp(5))
    engine.start()
    engine.interrupted()  # the socket drops before the first find answered
    server.result["lost"] = obj("lost", 7)
    engine.reopened()
    engine.event("create", obj("later", 9), None)  # on the new socket: held back
    assert rec.out == []
    server.result["later"] = obj("later", 9)
    server.gate.set_result(None)
    await engine.wait_loaded()
    # "lost" only the find shows; "later" its own held-back event shows, as it happened.
    assert rec.out == [("enter", "lost", "event", True), ("create", "later", "event", False)]
    assert engine.view.unshown_count == 0


async def test_without_a_start_bound_the_seed_stays_silent() -> None:
    server = Server({"a": obj("a", 7)})
    rec = Recorder()
    engine = seeded(server, rec, started_at=None)
    engine.start()
    await engine.wait_loaded()
    engine.interrupted()
    engine.reopened()
    await engine.wait_loaded()
    assert rec.out == []


def test_a_lean_view_is_bounded_by_the_result_set_not_by_objects_seen() -> None:
    view = ResultView(keep_objects=False)
    blob = "x" * 1000
    members: set[str] = set()
    for n in range(20_000):
        oid = f"o{n:06d}"
        view.apply("enter" if n % 2 else "create", obj(oid, n % 60, blob=blob))
        members.add(oid)
        if n >= 50:  # a sliding result set of 50 objects
            gone = f"o{n - 50:06d}"
            view.apply("leave" if n % 3 else "delete", obj(gone, n % 60))
            members.discard(gone)
        assert len(view) == len(members) <= 51
    assert set(view) == members
    # Only versions are kept, never the objects themselves.
    assert view.get("o019999") == {"objectId": "o019999", "updatedAt": stamp(19_999 % 60)}
    kept = sum(sys.getsizeof(v) for v in view.objects().values())
    assert kept < 51 * 1000


def test_an_object_view_drops_objects_on_leave_and_delete() -> None:
    view = ResultView()
    for n in range(1000):
        view.apply("create", obj(f"o{n}", 1))
        view.apply("leave" if n % 2 else "delete", obj(f"o{n}", 2))
    assert len(view) == 0
    assert view.objects() == {}


async def test_an_engine_view_stays_bounded_through_enter_and_leave() -> None:
    server = Server({})
    rec = Recorder()
    engine = seeded(server, rec, started_at=stamp(0))
    engine.start()
    await engine.wait_loaded()
    for n in range(5000):
        engine.event("enter", obj(f"o{n}", n % 60), None)
        engine.event("leave", obj(f"o{n}", n % 60), None)
        assert len(engine.view) == 0
    engine.event("enter", obj("kept", 1), None)
    assert list(engine.view) == ["kept"]
