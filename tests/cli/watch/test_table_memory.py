"""What ``lq watch``'s table costs per member, and per redraw, measured with ``tracemalloc``.

With 100,000 members the table must cost about what ``lq tail --snapshot``'s
view costs (the end-to-end comparison is in ``test_watch_e2e.py``); these
pin the two parts that made it cost more: a copy of each object's shown
fields, and a sort of every row at every redraw.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

from livequery_cli.cli.watch.result_table import ResultTable


def _objects(count: int) -> list[dict[str, Any]]:
    return [
        {
            "objectId": f"obj{n:07d}",
            "n": n * 1000,
            "tag": "big",
            "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": f"2026-01-01T00:00:{n % 60:02d}.000Z",
        }
        for n in range(count)
    ]


def test_a_member_costs_a_dict_slot_not_a_copy_of_the_object() -> None:
    objects = _objects(20_000)
    table = ResultTable("Big", columns=["n"], sort="-n")
    tracemalloc.start()
    try:
        for obj in objects:
            table.apply("snapshot", obj, snapshot=True)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The values are the objects' own; what the table adds is its index: about 40 bytes
    # a member (a projected dict per member cost about 250).
    assert held / len(objects) < 80, held


def test_a_screenful_costs_a_page_of_keys_not_a_sort_of_every_row() -> None:
    objects = _objects(50_000)
    table = ResultTable("Big", columns=["n"], sort="-n")
    for obj in objects:
        table.apply("snapshot", obj, snapshot=True)
    table.screen(max_rows=10, color=False)  # Rich's imports and caches, before measuring
    for offset in (0, 49_990):  # the top, then the bottom
        table.offset = offset
        tracemalloc.start()
        try:
            table.screen(max_rows=10, color=False)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        # A full sort held a key tuple per row: several MB here.
        assert peak < 512 * 1024, peak
