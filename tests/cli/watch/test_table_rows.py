"""``lq watch``'s rows: what a row keeps, and a screenful picked in sort order.

The window must be exactly the slice of the full order (numbers before
strings, missing values last, ties by objectId, rows that left in their
place): checked against a full sort. What they cost is
``test_table_memory.py``'s.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from livequery_cli.cli.watch.table_rows import CHOOSE_AFTER, TableRows


def _random_value(rng: random.Random) -> Any:
    kind = rng.randrange(6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.randrange(5)  # many ties: the objectId decides
    if kind == 2:
        return rng.random() * 10
    if kind == 3:
        return rng.choice(["a", "b", "ab", ""])
    if kind == 4:
        return {"__type": "Date", "iso": f"2026-01-0{rng.randrange(1, 10)}T00:00:00.000Z"}
    return rng.choice([True, False])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("sort", ["v", "-v", None, "-objectId", "w"])
def test_every_window_is_the_slice_of_the_full_order(seed: int, sort: str | None) -> None:
    rng = random.Random(seed)
    rows = TableRows(["objectId", "v", "w"], sort)
    for n in range(rng.randrange(1, 120)):
        obj = {"objectId": f"id{rng.randrange(10**6):06d}{n}", "v": _random_value(rng)}
        if rng.random() < 0.5:
            obj["w"] = _random_value(rng)
        rows.put(obj["objectId"], obj)
    for oid in rng.sample(sorted(rows.rows), k=len(rows.rows) // 5):  # some left a moment ago
        rows.remove(oid, {"objectId": oid}, at=0.0)
    everything = rows.ordered(sort)
    assert len(everything) == len(rows)
    for count in (1, 7, 20):
        for offset in range(0, len(rows) + 2):
            assert rows.window(sort, offset, count) == everything[offset : offset + count]


def test_a_row_keeps_the_shown_values_only() -> None:
    rows = TableRows(["objectId", "score", "when"], "-level.boss")
    obj = {
        "objectId": "a1",
        "score": 3,
        "when": {"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"},
        "level": {"boss": True, "name": "x" * 1000},
        "big": "y" * 1000,
        "updatedAt": "2026-01-01T00:00:00.000Z",
    }
    rows.put("a1", obj)
    assert rows.rows["a1"] == (3, "2026-01-01T00:00:00.000Z", True)  # no objectId, no big
    one = TableRows(["n"], "n")
    one.put("b1", {"objectId": "b1", "n": 7, "other": 1})
    assert one.rows["b1"] == 7  # one field: the bare value, no tuple
    assert one.value("b1", one.rows["b1"], "objectId") == "b1"


def test_default_columns_are_chosen_from_the_first_objects_then_rows_are_packed() -> None:
    rows = TableRows(None, None)
    for n in range(CHOOSE_AFTER - 1):
        rows.put(f"o{n:03d}", {"objectId": f"o{n:03d}", "name": f"p{n}", "blob": "z" * 100})
    assert not rows.packed
    assert isinstance(rows.rows["o000"], dict)  # still whole
    rows.put("o999", {"objectId": "o999", "name": "last", "blob": "z"})
    assert rows.columns == ["objectId", "name", "blob", "updatedAt"]
    assert all(isinstance(row, tuple) for row in rows.rows.values())
