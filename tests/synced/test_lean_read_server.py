"""The lean read against real servers: what a lean view's resync asks the REST API for.

A ``RestClient`` that records its ``find`` requests reads a few hundred
objects through ``ResultSetReader``; between a silent seed and a resync a
few of them change, leave, are deleted, or enter. The resync must read the
whole result set as ``objectId``/``updatedAt`` only, and whole objects only
for the members it prints.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from livequery_cli.client.rest import RestClient
from livequery_cli.synced import ResultSetReader, SyncEngine

CLASS = "Game"
N = 300


class RecordingRest(RestClient):
    """A real REST client that notes each ``find``'s where, keys and answer size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requests: list[dict[str, Any]] = []

    async def find(
        self,
        class_name: str,
        where: Mapping[str, Any] | None = None,
        *,
        keys: Sequence[str] | None = None,
        order: str | Sequence[str] | None = None,
        limit: int | None = None,
        skip: int | None = None,
    ) -> list[dict[str, Any]]:
        found = await super().find(
            class_name, where, keys=keys, order=order, limit=limit, skip=skip
        )
        self.requests.append(
            {"where": dict(where or {}), "keys": list(keys) if keys else None, "got": len(found)}
        )
        return found


class Recorder:
    def __init__(self) -> None:
        self.out: list[tuple[str, str, bool]] = []
        self.objects: dict[str, dict[str, Any]] = {}

    def live(self, op: str, o: dict[str, Any], original: Any) -> None:
        self.out.append((op, o["objectId"], False))

    def marked(
        self, op: str, o: dict[str, Any], original: Any, *, kind: str, synthetic: bool
    ) -> None:
        self.out.append((op, o["objectId"], synthetic))
        self.objects[o["objectId"]] = o


def create_many(server: Any, tag: str, count: int) -> list[str]:
    made = [
        server.rest.create(CLASS, {"tag": tag, "n": i, "score": 20}, master=True)
        for i in range(count)
    ]
    return [str(o["objectId"]) for o in made]


def rest_for(server: Any) -> RecordingRest:
    return RecordingRest(server.rest_url, server.app_id, master_key=server.master_key)


async def test_a_lean_resync_reads_versions_then_only_the_changed_objects(
    server: Any, unique_tag: str
) -> None:
    ids = await asyncio.to_thread(create_many, server, unique_tag, N)
    where = {"tag": unique_tag, "score": {"$gte": 10}}
    async with rest_for(server) as rest:
        rec = Recorder()
        reader = ResultSetReader(rest, CLASS, where)
        engine = SyncEngine(
            reader, live=rec.live, marked=rec.marked, first="seed", keep_objects=False
        )
        engine.start()
        await engine.wait_loaded()
        assert rec.out == []
        assert len(engine.view) == N
        assert rest.requests
        assert all(r["keys"] == ["objectId", "updatedAt"] for r in rest.requests), rest.requests

        def write_during_the_gap() -> list[str]:
            w = server.rest
            for oid in ids[:3]:
                w.update(CLASS, oid, {"score": 30}, master=True)  # update
            w.update(CLASS, ids[3], {"score": 5}, master=True)  # leave
            w.delete(CLASS, ids[4], master=True)  # delete: a leave
            w.update(CLASS, ids[5], {"note": "unwatched"}, master=True)  # update
            entered = [
                w.create(CLASS, {"tag": unique_tag, "n": -k, "score": 50}, master=True)
                for k in (1, 2)
            ]
            w.create(CLASS, {"tag": unique_tag, "n": -3, "score": 1}, master=True)  # never in
            return [e["objectId"] for e in entered]

        entered = await asyncio.to_thread(write_during_the_gap)
        rest.requests.clear()
        engine.interrupted()
        engine.reopened()
        await engine.wait_loaded()

    updated = {*ids[:3], ids[5]}
    assert sorted(rec.out) == sorted(
        [("update", oid, True) for oid in updated]
        + [("leave", oid, True) for oid in ids[3:5]]
        + [("enter", oid, True) for oid in entered]
    )
    for oid in updated | set(entered):
        assert {"tag", "n", "score"} <= set(rec.objects[oid]), "whole objects"
        assert rec.objects[oid]["className"] == CLASS
    for oid in ids[3:5]:
        assert set(rec.objects[oid]) <= {"objectId", "updatedAt"}, rec.objects[oid]

    lean = [r for r in rest.requests if r["keys"] == ["objectId", "updatedAt"]]
    whole = [r for r in rest.requests if r["keys"] != ["objectId", "updatedAt"]]
    assert sum(r["got"] for r in lean) == N - len(ids[3:5]) + len(entered)
    asked = [oid for r in whole for oid in r["where"]["objectId"]["$in"]]
    assert sorted(asked) == sorted(updated | set(entered)), whole
    assert all(r["where"]["tag"] == unique_tag and "score" in r["where"] for r in whole)
    assert sum(r["got"] for r in whole) == len(updated) + len(entered)


async def test_a_view_that_keeps_objects_still_reads_whole_objects(
    server: Any, unique_tag: str
) -> None:
    ids = await asyncio.to_thread(create_many, server, unique_tag, 5)
    async with rest_for(server) as rest:
        rec = Recorder()
        reader = ResultSetReader(rest, CLASS, {"tag": unique_tag})
        engine = SyncEngine(reader, live=rec.live, marked=rec.marked, first="seed")
        engine.start()
        await engine.wait_loaded()
        await asyncio.to_thread(server.rest.update, CLASS, ids[0], {"score": 1}, master=True)
        engine.interrupted()
        engine.reopened()
        await engine.wait_loaded()
    assert rec.out == [("update", ids[0], True)]
    assert all(r["keys"] is None for r in rest.requests)
    assert engine.view.get(ids[1]) is not None
    assert "tag" in (engine.view.get(ids[1]) or {})


async def test_the_objects_come_in_chunks_that_page_by_objectid(
    server: Any, unique_tag: str
) -> None:
    where = {"tag": unique_tag}
    async with rest_for(server) as rest:
        rec = Recorder()
        engine = SyncEngine(
            ResultSetReader(rest, CLASS, where),
            live=rec.live,
            marked=rec.marked,
            first="seed",
            keep_objects=False,
        )
        engine.start()
        await engine.wait_loaded()
        ids = await asyncio.to_thread(create_many, server, unique_tag, 230)
        rest.requests.clear()
        engine.interrupted()
        engine.reopened()
        await engine.wait_loaded()
    assert sorted(rec.out) == sorted(("enter", oid, True) for oid in ids)
    whole = [r["where"]["objectId"] for r in rest.requests if r["keys"] is None]
    assert [len(c["$in"]) for c in whole] == [100, 100, 30]
    assert "$gt" not in whole[0]
    assert [c["$gt"] for c in whole[1:]] == [whole[0]["$in"][-1], whole[1]["$in"][-1]]
