"""Micro-benchmark: matching cost per write with 100 vs 10,000 subscriptions on one class.

Run: ``.venv/bin/python tests/matching/bench_index.py`` (not collected by pytest).

Each subscription is distinct: most pin ``room`` to their own value (as chat
rooms, game lobbies or per-object subscriptions do), some use ``$in`` over two
rooms, and a fixed number (20) have no usable equality (``score > k``) and
sit in the index's fallback bucket. A write updates one object, moving it
between two rooms and changing its score; the cost measured is what the
server pays per write: ``candidates`` plus both matcher calls on each
candidate. The same workload through a full scan (Parse Server's strategy)
is shown for comparison.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping

from livequery_cli.matching import Matcher, SubscriptionIndex, compile_where

FALLBACK_SUBSCRIPTIONS = 20
WRITES = 20_000


def subscriptions(count: int) -> dict[int, dict[str, object]]:
    wheres: dict[int, dict[str, object]] = {}
    for handle in range(count - FALLBACK_SUBSCRIPTIONS):
        if handle % 10 == 0:
            wheres[handle] = {
                "room": {"$in": [f"r{handle}", f"r{handle + 1}"]},
                "score": {"$gte": 0},
            }
        else:
            wheres[handle] = {"room": f"r{handle}", "score": {"$gt": handle % 50}}
    for k in range(FALLBACK_SUBSCRIPTIONS):
        wheres[count - FALLBACK_SUBSCRIPTIONS + k] = {"score": {"$gt": 90 + k}}
    return wheres


def writes(count: int, rng: random.Random) -> list[tuple[dict[str, object], dict[str, object]]]:
    rooms = count - FALLBACK_SUBSCRIPTIONS
    out = []
    for _ in range(WRITES):
        before = {"objectId": "o1", "room": f"r{rng.randrange(rooms)}", "score": rng.randrange(100)}
        after = {**before, "room": f"r{rng.randrange(rooms)}", "score": rng.randrange(100)}
        out.append((before, after))
    return out


def per_write_indexed(
    index: SubscriptionIndex[int],
    matchers: Mapping[int, Matcher],
    work: list[tuple[dict[str, object], dict[str, object]]],
) -> tuple[float, float]:
    examined = 0
    start = time.perf_counter()
    for before, after in work:
        for handle in index.candidates("Game", before, after):
            matcher = matchers[handle]
            matcher(before)
            matcher(after)
            examined += 1
    elapsed = time.perf_counter() - start
    return elapsed / len(work) * 1e6, examined / len(work)


def per_write_scan(
    matchers: Mapping[int, Matcher], work: list[tuple[dict[str, object], dict[str, object]]]
) -> float:
    sample = work[: max(1, len(work) // 50)]
    start = time.perf_counter()
    for before, after in sample:
        for matcher in matchers.values():
            matcher(before)
            matcher(after)
    return (time.perf_counter() - start) / len(sample) * 1e6


def main() -> None:
    rng = random.Random(7)
    results = {}
    for count in (100, 10_000):
        wheres = subscriptions(count)
        matchers = {handle: compile_where(where) for handle, where in wheres.items()}
        index: SubscriptionIndex[int] = SubscriptionIndex()
        for handle, where in wheres.items():
            index.add(handle, "Game", where)
        work = writes(count, rng)
        per_write_indexed(index, matchers, work[:1000])  # warm caches
        indexed, examined = per_write_indexed(index, matchers, work)
        scan = per_write_scan(matchers, work)
        results[count] = indexed
        print(
            f"{count:>6} subscriptions: indexed {indexed:7.2f} µs/write "
            f"({examined:.1f} candidates), full scan {scan:9.1f} µs/write"
        )
    print(f"growth 100 -> 10,000 (indexed): {results[10_000] / results[100]:.2f}x")


if __name__ == "__main__":
    main()
