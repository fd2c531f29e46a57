"""``SyncEngine``: snapshot-then-watch de-duplication and resync diffs, without a server."""

from __future__ import annotations

import asyncio
from typing import Any

from livequery_cli.synced import ResultView, SyncEngine, parse_since, since_where
from livequery_cli.synced.engine import Fetch


def obj(oid: str, t: int, **fields: Any) -> dict[str, Any]:
    return {"objectId": oid, "updatedAt": f"2026-01-01T00:00:{t:02d}.000Z", **fields}


def reading(fresh: dict[str, dict[str, Any]]) -> Fetch:
    """A fetch that answers with ``fresh`` as it is at each load."""

    async def fetch() -> dict[str, dict[str, Any]]:
        return dict(fresh)

    return fetch


class Recorder:
    def __init__(self) -> None:
        self.out: list[tuple[str, str, str, bool]] = []

    def live(self, op: str, o: dict[str, Any], original: Any) -> None:
        self.out.append((op, o["objectId"], "event", False))

    def marked(
        self, op: str, o: dict[str, Any], original: Any, *, kind: str, synthetic: bool
    ) -> None:
        self.out.append((op, o["objectId"], kind, synthetic))


async def test_buffered_events_already_in_the_snapshot_are_not_repeated() -> None:
    gate: asyncio.Future[dict[str, dict[str, Any]]] = asyncio.get_running_loop().create_future()
    rec = Recorder()
    engine = SyncEngine(lambda: gate, live=rec.live, marked=rec.marked)
    engine.start()
    engine.event("update", obj("a", 1), None)  # before the find read: in the snapshot
    engine.event("enter", obj("b", 2), None)  # history: b left again before the find
    engine.event("leave", obj("b", 3), None)
    engine.event("update", obj("a", 5), None)  # after the find read: new
    engine.event("delete", obj("c", 1), None)  # c was in the snapshot
    gate.set_result({"a": obj("a", 1), "c": obj("c", 1)})
    await engine.wait_loaded()
    assert rec.out == [
        ("snapshot", "a", "snapshot", False),
        ("snapshot", "c", "snapshot", False),
        ("update", "a", "event", False),
        ("delete", "c", "event", False),
    ]
    assert set(engine.view) == {"a"}
    engine.event("create", obj("d", 6), None)  # live now
    assert rec.out[-1] == ("create", "d", "event", False)
    assert "d" in engine.view


async def test_resync_emits_synthetic_differences() -> None:
    fresh: dict[str, dict[str, Any]] = {"a": obj("a", 1), "b": obj("b", 1)}

    rec = Recorder()
    engine = SyncEngine(reading(fresh), live=rec.live, marked=rec.marked, first="seed")
    engine.start()
    await engine.wait_loaded()
    assert rec.out == []  # a seed is silent
    engine.interrupted()
    fresh.pop("b")
    fresh["a"] = obj("a", 9)
    fresh["n"] = obj("n", 9)
    engine.reopened()
    await engine.wait_loaded()
    assert sorted(rec.out) == [
        ("enter", "n", "event", True),
        ("leave", "b", "event", True),
        ("update", "a", "event", True),
    ]


def test_view_diff_reports_enter_update_leave() -> None:
    view = ResultView({"a": obj("a", 1), "b": obj("b", 1)})
    changes = view.replace({"a": obj("a", 1), "c": obj("c", 2)})
    assert [(op, o["objectId"]) for op, o, _ in changes] == [("enter", "c"), ("leave", "b")]


def test_since_accepts_durations_and_timestamps() -> None:
    stamp = parse_since("2026-01-01T12:00:00Z")
    assert since_where({"tag": "x"}, stamp) == {
        "tag": "x",
        "updatedAt": {"$gte": {"__type": "Date", "iso": "2026-01-01T12:00:00.000Z"}},
    }
    assert parse_since("10m", now=stamp).isoformat() == "2026-01-01T11:50:00+00:00"


async def test_a_seed_delivers_at_once_and_still_resyncs_exactly() -> None:
    gate: asyncio.Future[dict[str, dict[str, Any]]] = asyncio.get_running_loop().create_future()
    rec = Recorder()
    engine = SyncEngine(lambda: gate, live=rec.live, marked=rec.marked, first="seed")
    engine.start()
    engine.event("leave", obj("a", 5), None)  # after the find read a at t=1
    engine.event("update", obj("b", 1), None)  # before the read: the find has it too
    assert rec.out == [("leave", "a", "event", False), ("update", "b", "event", False)]
    gate.set_result({"a": obj("a", 1), "b": obj("b", 1)})
    await engine.wait_loaded()
    assert set(engine.view) == {"b"}  # the leave noted during the find still counts


async def test_an_event_arriving_after_the_load_that_already_showed_it_is_dropped() -> None:
    """The resync's find saw ``n``; its ``create`` frame arrives only after the load."""
    fresh: dict[str, dict[str, Any]] = {"a": obj("a", 1)}

    rec = Recorder()
    engine = SyncEngine(reading(fresh), live=rec.live, marked=rec.marked)
    engine.start()
    await engine.wait_loaded()
    engine.interrupted()
    fresh["n"] = obj("n", 5)
    engine.reopened()
    await engine.wait_loaded()
    engine.event("create", obj("n", 5), None)  # late: the resync printed it already
    engine.event("update", obj("n", 6), None)  # news
    assert rec.out[1:] == [("enter", "n", "event", True), ("update", "n", "event", False)]


async def test_two_live_saves_in_one_millisecond_are_both_shown() -> None:
    """Equal ``updatedAt`` on two live events is two saves, not a repeat."""
    fresh: dict[str, dict[str, Any]] = {"a": obj("a", 1)}

    rec = Recorder()
    engine = SyncEngine(reading(fresh), live=rec.live, marked=rec.marked, first="seed")
    engine.start()
    await engine.wait_loaded()
    engine.event("update", obj("a", 7, score=1), None)
    engine.event("update", obj("a", 7, score=2), None)
    engine.event("create", obj("b", 7), None)
    engine.event("update", obj("b", 7), None)
    assert rec.out == [
        ("update", "a", "event", False),
        ("update", "a", "event", False),
        ("create", "b", "event", False),
        ("update", "b", "event", False),
    ]


async def test_repeated_versions_are_shown_when_the_first_load_failed() -> None:
    """No load printed anything, so nothing live can be a repeat of it."""

    async def fetch() -> dict[str, dict[str, Any]]:
        raise OSError("no REST")

    rec = Recorder()
    failures: list[str] = []
    engine = SyncEngine(
        fetch,
        live=rec.live,
        marked=rec.marked,
        first="seed",
        failed=lambda exc, kind: failures.append(kind),
    )
    engine.start()
    await engine.wait_loaded()
    assert failures == ["seed"]
    for _ in range(3):
        engine.event("create", obj("a", 1), None)
    assert rec.out == [("create", "a", "event", False)] * 3


async def test_a_late_frame_older_than_the_printed_version_is_dropped_too() -> None:
    """Two saves during the resync: the find printed the second, both frames trail it."""
    fresh: dict[str, dict[str, Any]] = {}

    rec = Recorder()
    engine = SyncEngine(reading(fresh), live=rec.live, marked=rec.marked, first="seed")
    engine.start()
    await engine.wait_loaded()
    engine.interrupted()
    fresh["n"] = obj("n", 6)
    engine.reopened()
    await engine.wait_loaded()
    engine.event("create", obj("n", 5), None)
    engine.event("update", obj("n", 6), None)
    engine.event("update", obj("n", 6), None)  # a third save in the same millisecond
    assert rec.out == [("enter", "n", "event", True), ("update", "n", "event", False)]


async def test_the_record_of_what_a_load_printed_expires() -> None:
    fresh: dict[str, dict[str, Any]] = {"n": obj("n", 5)}

    rec = Recorder()
    engine = SyncEngine(reading(fresh), live=rec.live, marked=rec.marked, in_flight_window=0.01)
    engine.start()
    await engine.wait_loaded()
    assert engine.in_flight.versions == {"n": fresh["n"]["updatedAt"]}

    later = asyncio.Event()
    asyncio.get_running_loop().call_later(0.02, later.set)  # timers fire in deadline order
    await asyncio.wait_for(later.wait(), 5)
    assert engine.in_flight.versions == {}
    engine.event("update", obj("n", 5), None)  # the window is over: shown
    assert rec.out == [("snapshot", "n", "snapshot", False), ("update", "n", "event", False)]
    engine.close()


async def test_a_lean_seed_notes_only_identities_while_it_runs() -> None:
    """Events during a long seed are noted; a lean view must not keep their bodies."""
    gate: asyncio.Future[dict[str, dict[str, Any]]] = asyncio.get_running_loop().create_future()
    rec = Recorder()
    engine = SyncEngine(
        lambda: gate, live=rec.live, marked=rec.marked, first="seed", keep_objects=False
    )
    engine.start()
    for i in range(100):
        engine.event("update", obj(f"o{i}", 3, blob="x" * 10_000), {"objectId": f"o{i}"})
    assert len(rec.out) == 100  # delivered at once, whole
    notes = engine._notes or []
    assert len(notes) == 100
    assert all(set(o) == {"objectId", "updatedAt"} and orig is None for _, o, orig in notes)
    gate.set_result({"o1": obj("o1", 1)})
    await engine.wait_loaded()
    assert engine.view.version_of("o1") == obj("o1", 3)["updatedAt"]
    assert engine.view.version_of("o7") == obj("o7", 3)["updatedAt"]
