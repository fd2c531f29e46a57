"""The storage's in-memory mirror: compact (encoded JSON), private, and the same after a reload."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path
from typing import Any

from livequery_cli.server.storage import Storage

OBJECTS = 5_000


def _body(i: int) -> dict[str, Any]:
    """~480 bytes of JSON, the shape of the server benchmark's objects."""
    return {
        "objectId": f"obj{i:07d}",
        "createdAt": "2026-12-04T23:10:00.123Z",
        "updatedAt": "2026-12-04T23:10:00.123Z",
        "run": "abcdef123456",
        "slot": i,
        "playerName": f"player-{i:06d}",
        "score": i * 7,
        "cheatMode": i % 2 == 0,
        "level": {"name": "forest", "boss": False, "stage": i % 40},
        "tags": ["alpha", "beta", f"t{i % 100}"],
        "bio": f"player {i} likes long walks in the forest and " * 4,
    }


def test_a_stored_object_costs_about_its_json_size_in_memory() -> None:
    storage = Storage(":memory:")
    try:
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for i in range(OBJECTS):
            storage.put("Bench", _body(i))
        gc.collect()
        per_object = (tracemalloc.get_traced_memory()[0] - before) / OBJECTS
        tracemalloc.stop()
    finally:
        storage.close()
    # The JSON is ~480 bytes; kept as a dict of Python values it took ~1.9 KB.
    assert per_object < 800, per_object


def test_changing_what_a_read_returned_does_not_change_the_stored_object() -> None:
    storage = Storage(":memory:")
    try:
        body = _body(1)
        storage.put("Bench", body)
        body["score"] = -1  # the caller's dict after put
        read = storage.get("Bench", "obj0000001")
        assert read is not None
        read["level"]["name"] = "swamp"
        for scanned in storage.scan("Bench"):
            scanned["tags"].append("x")
        again = storage.get("Bench", "obj0000001")
        assert again == _body(1)
    finally:
        storage.close()


def test_objects_come_back_the_same_after_a_reload(tmp_path: Path) -> None:
    path = str(tmp_path / "lq.sqlite")
    storage = Storage(path)
    ids = [f"obj{i:07d}" for i in (5, 3, 9, 1)]
    for n, object_id in enumerate(ids):
        storage.put("Bench", {**_body(n), "objectId": object_id, "name": "é ☃ 𝄞"})
    storage.put("Bench", {**_body(0), "objectId": ids[1], "name": "replaced"})
    storage.delete("Bench", ids[2])
    before = list(storage.scan("Bench"))
    # Creation order while running: a replaced object keeps its place.
    assert [o["objectId"] for o in before] == [ids[0], ids[1], ids[3]]
    storage.close()
    reloaded = Storage(path)
    try:
        by_id = sorted(before, key=lambda o: o["objectId"])
        assert list(reloaded.scan_by_id("Bench")) == by_id
        assert sorted(reloaded.scan("Bench"), key=lambda o: o["objectId"]) == by_id
        assert list(reloaded.scan_by_id("Bench", after=ids[1])) == [by_id[2]]
        assert reloaded.get("Bench", ids[2]) is None
        assert reloaded.count("Bench") == 3
    finally:
        reloaded.close()
