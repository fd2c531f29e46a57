"""The lean read of a lean view: versions for everyone, whole objects only for the news.

The source here is an in-memory result set that counts what it hands out;
``test_lean_read_server.py`` runs the same reads against real servers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from livequery_cli.synced import ResultSetSource, SyncEngine
from livequery_cli.synced.lean import OBJECTS_PER_REQUEST, DeferredSource


def obj(oid: str, t: int, **fields: Any) -> dict[str, Any]:
    return {
        "objectId": oid,
        "updatedAt": f"2026-01-01T00:{t // 60:02d}:{t % 60:02d}.000Z",
        **fields,
    }


class Recorder:
    def __init__(self) -> None:
        self.out: list[tuple[str, str, bool]] = []
        self.objects: dict[str, dict[str, Any]] = {}

    def live(self, op: str, o: dict[str, Any], original: Any) -> None:
        self.out.append((op, o["objectId"], False))
        self.objects[o["objectId"]] = o

    def marked(
        self, op: str, o: dict[str, Any], original: Any, *, kind: str, synthetic: bool
    ) -> None:
        self.out.append((op, o["objectId"], synthetic))
        self.objects[o["objectId"]] = o


class MemorySource:
    """A result set in memory, readable whole or lean; counts whole objects handed out."""

    def __init__(self, result: dict[str, dict[str, Any]]) -> None:
        self.result = result
        self.whole_reads = 0
        self.member_passes = 0
        self.version_passes = 0
        self.object_requests: list[list[str]] = []
        self.between_passes: Callable[[], None] | None = None

    @property
    def objects_handed_out(self) -> int:
        return sum(len(ids) for ids in self.object_requests)

    async def __call__(self) -> dict[str, dict[str, Any]]:
        self.whole_reads += 1
        return {oid: dict(o) for oid, o in sorted(self.result.items())}

    async def members(self) -> AsyncIterator[dict[str, Any]]:
        self.member_passes += 1
        for oid in sorted(self.result):
            await asyncio.sleep(0)
            yield dict(self.result[oid])

    async def versions(self) -> AsyncIterator[tuple[str, str]]:
        self.version_passes += 1
        for oid in sorted(self.result):
            await asyncio.sleep(0)
            yield oid, self.result[oid]["updatedAt"]
        if self.between_passes is not None:
            self.between_passes()

    async def objects(
        self, ids: Sequence[str], after: str | None = None
    ) -> dict[str, dict[str, Any]]:
        assert len(ids) <= OBJECTS_PER_REQUEST
        assert list(ids) == sorted(ids)
        assert after is None or after < ids[0]
        self.object_requests.append(list(ids))
        return {oid: dict(self.result[oid]) for oid in ids if oid in self.result}


def lean_engine(fetch: Any, rec: Recorder, **options: Any) -> SyncEngine:
    return SyncEngine(fetch, live=rec.live, marked=rec.marked, keep_objects=False, **options)


async def resync(engine: SyncEngine) -> None:
    engine.interrupted()
    engine.reopened()
    await engine.wait_loaded()


async def test_a_resync_fetches_whole_objects_only_for_what_differs() -> None:
    n = 1000
    source = MemorySource({f"o{i:04d}": obj(f"o{i:04d}", 1, n=i) for i in range(n)})
    assert isinstance(source, ResultSetSource)
    rec = Recorder()
    engine = lean_engine(source, rec, first="seed")
    engine.start()
    await engine.wait_loaded()
    assert rec.out == []
    assert source.object_requests == [], "a silent seed needs no objects"
    source.result["o0007"] = obj("o0007", 9, n=7, score=1)  # changed
    del source.result["o0500"]  # gone
    source.result["new"] = obj("new", 9, n=-1)  # entered
    await resync(engine)
    assert sorted(rec.out) == [
        ("enter", "new", True),
        ("leave", "o0500", True),
        ("update", "o0007", True),
    ]
    assert rec.objects["o0007"]["score"] == 1, "the whole object, not a stub"
    assert rec.objects["new"]["n"] == -1
    assert rec.objects["o0500"] == {"objectId": "o0500", "updatedAt": obj("", 1)["updatedAt"]}
    assert source.whole_reads == 0
    assert source.objects_handed_out == 2, source.object_requests
    assert len(engine.view) == n


async def test_the_objects_come_in_chunks() -> None:
    source = MemorySource({})
    rec = Recorder()
    engine = lean_engine(source, rec, first="seed")
    engine.start()
    await engine.wait_loaded()
    source.result = {f"o{i:04d}": obj(f"o{i:04d}", 2) for i in range(250)}
    await resync(engine)
    assert [len(ids) for ids in source.object_requests] == [100, 100, 50]
    assert len(rec.out) == 250
    assert {op for op, _, _ in rec.out} == {"enter"}


async def test_a_member_that_left_between_the_passes_is_absent() -> None:
    source = MemorySource({"a": obj("a", 1), "b": obj("b", 1)})
    rec = Recorder()
    engine = lean_engine(source, rec, first="seed")
    engine.start()
    await engine.wait_loaded()
    source.result["a"] = obj("a", 5, changed=True)  # differs: its object is wanted...
    source.result["c"] = obj("c", 5)  # new: wanted too...

    def leave_meanwhile() -> None:  # ...but both are gone when the second pass asks
        left_a = source.result.pop("a")
        del source.result["c"]
        engine.event("leave", {**left_a, "updatedAt": obj("", 6)["updatedAt"]}, None)
        engine.event("delete", obj("c", 6), None)

    source.between_passes = leave_meanwhile
    await resync(engine)
    # "a" was a member: its leave is printed once (synthetic), the real one is a repeat.
    # "c" never was: neither an enter nor its delete is printed.
    assert rec.out == [("leave", "a", True)]
    assert set(engine.view) == {"b"}


async def test_a_member_updated_between_the_passes_counts_at_its_newer_version() -> None:
    source = MemorySource({"a": obj("a", 1)})
    rec = Recorder()
    engine = lean_engine(source, rec, first="seed")
    engine.start()
    await engine.wait_loaded()
    source.result["a"] = obj("a", 5, v=1)

    def update_meanwhile() -> None:
        source.result["a"] = obj("a", 7, v=2)
        engine.event("update", obj("a", 7, v=2), obj("a", 5, v=1))

    source.between_passes = update_meanwhile
    await resync(engine)
    assert rec.out == [("update", "a", True)]
    assert rec.objects["a"]["v"] == 2
    assert engine.view.version_of("a") == obj("a", 7)["updatedAt"]


async def test_a_deferred_source_is_built_once_at_the_first_read_and_reads_lean() -> None:
    """``lq tail`` builds its reader at the first load (the REST stack comes in then)."""
    source = MemorySource({"a": obj("a", 1, blob="z")})
    builds: list[MemorySource] = []

    async def make() -> MemorySource:
        builds.append(source)
        return source

    fetch = DeferredSource(make)
    assert isinstance(fetch, ResultSetSource)
    assert builds == []
    rec = Recorder()
    engine = lean_engine(fetch, rec, first="snapshot")
    engine.start()
    await engine.wait_loaded()
    assert rec.out == [("snapshot", "a", False)]
    assert rec.objects["a"]["blob"] == "z"
    assert source.member_passes == 1, "a snapshot prints every object"
    source.result["a"] = obj("a", 2, v=1)
    await resync(engine)
    assert rec.out[1:] == [("update", "a", True)]
    assert source.whole_reads == 0
    assert source.member_passes == 1
    assert source.version_passes == 1
    assert source.object_requests == [["a"]]
    assert len(builds) == 1


async def test_a_plain_coroutine_function_is_read_whole() -> None:
    source = MemorySource({"a": obj("a", 1)})
    rec = Recorder()

    async def fetch() -> dict[str, dict[str, Any]]:
        return await source()

    engine = lean_engine(fetch, rec, first="seed")
    engine.start()
    await engine.wait_loaded()
    source.result["a"] = obj("a", 2, v=1)
    await resync(engine)
    assert rec.out == [("update", "a", True)]
    assert source.whole_reads == 2
    assert source.version_passes == 0


async def test_a_view_that_keeps_objects_reads_whole() -> None:
    source = MemorySource({"a": obj("a", 1)})
    rec = Recorder()
    engine = SyncEngine(source, live=rec.live, marked=rec.marked, first="seed")
    engine.start()
    await engine.wait_loaded()
    source.result["a"] = obj("a", 2, v=1)
    await resync(engine)
    assert rec.out == [("update", "a", True)]
    assert source.whole_reads == 2
    assert source.version_passes == 0


async def test_an_interrupted_seed_fetches_only_the_unshown_members() -> None:
    old = {f"o{i}": obj(f"o{i}", 1) for i in range(50)}
    gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    class StuckOnce(MemorySource):
        """The first seed never finishes: the socket drops meanwhile."""

        first = True

        async def versions(self) -> AsyncIterator[tuple[str, str]]:
            if self.first:
                self.first = False
                await gate
            async for pair in super().versions():
                yield pair

    source = StuckOnce({**old, "late": obj("late", 9, blob="z")})
    rec = Recorder()
    engine = lean_engine(source, rec, first="seed", unshown_after=obj("", 5)["updatedAt"])
    engine.start()
    await asyncio.sleep(0)
    await resync(engine)
    assert rec.out == [("enter", "late", True)]
    assert rec.objects["late"]["blob"] == "z"
    assert source.object_requests == [["late"]]


async def test_a_lean_snapshot_prints_oldest_first_from_disk_and_keeps_versions() -> None:
    # objectId order differs from version order; "b" and "d" tie (find order breaks it).
    result = {
        "a": obj("a", 30, n=1),
        "b": obj("b", 10, n=2),
        "c": obj("c", 20, nested={"x": [1, 2.5, None, "\u00e9"]}),
        "d": obj("d", 10, n=4),
    }
    source = MemorySource(result)
    rec = Recorder()
    engine = lean_engine(source, rec, first="snapshot")
    engine.start()
    engine.event("update", obj("a", 40, n=5), obj("a", 30, n=1))  # held back meanwhile
    await engine.wait_loaded()
    assert rec.out == [
        ("snapshot", "b", False),
        ("snapshot", "d", False),
        ("snapshot", "c", False),
        ("snapshot", "a", False),
        ("update", "a", False),
    ]
    assert rec.objects["c"] == result["c"]
    assert source.whole_reads == 0
    assert engine.view.version_of("a") == obj("", 40)["updatedAt"]
    assert engine.view.version_of("b") == obj("", 10)["updatedAt"]
    assert not engine.view.keeps_objects


async def test_a_lean_snapshot_that_fails_to_load_prints_nothing() -> None:
    class Failing(MemorySource):
        async def members(self) -> AsyncIterator[dict[str, Any]]:
            yield dict(self.result["a"])
            raise OSError("connection reset")

    failures: list[str] = []
    rec = Recorder()
    engine = lean_engine(
        Failing({"a": obj("a", 1), "b": obj("b", 2)}),
        rec,
        first="snapshot",
        failed=lambda exc, kind: failures.append(f"{kind}: {exc}"),
    )
    engine.start()
    await engine.wait_loaded()
    assert failures == ["snapshot: connection reset"]
    assert rec.out == []
