"""``measure_where``: query size limits before compiling, and a memory estimate that holds.

The estimate (``QueryCost.memory``) is what each LiveQuery connection's
budget is charged with, so it must be an upper bound of what a subscription
really holds: the parsed ``where``, the compiled matcher, its filing in the
subscription index and its group key. ``tracemalloc`` measures that for the
shapes that cost the most per byte of query.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from typing import Any

import orjson
import pytest

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import SubscriptionIndex, compile_where, measure_where
from livequery_cli.matching.limits import (
    MAX_INDEXED_VALUES,
    MAX_QUERY_BYTES,
    MAX_QUERY_CONDITIONS,
    MAX_QUERY_LIST_ITEMS,
    MAX_QUERY_NODES,
)
from livequery_cli.server.fanout import group_key

N = MAX_QUERY_LIST_ITEMS


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ({"f": {"$in": list(range(N + 1))}}, f"$in has {N + 1} values"),
        ({"f": {"$nin": list(range(N + 1))}}, f"$nin has {N + 1} values"),
        ({"f": {"$all": list(range(N + 1))}}, f"$all has {N + 1} values"),
        ({"f": {"$containedBy": list(range(N + 1))}}, f"$containedBy has {N + 1} values"),
        ({"$or": [{"f": i} for i in range(MAX_QUERY_CONDITIONS)]}, "conditions"),
        ({f"f{i}": i for i in range(MAX_QUERY_CONDITIONS + 1)}, "conditions"),
        ({"f": list(range(MAX_QUERY_NODES))}, f"maximum allowed {MAX_QUERY_NODES} values"),
        ({"f": "x" * MAX_QUERY_BYTES}, f"maximum allowed {MAX_QUERY_BYTES} bytes"),
        ({"f": ["é" * 1000] * 600}, "bytes"),  # 2 bytes each in UTF-8
    ],
    ids=["in", "nin", "all", "containedBy", "or", "fields", "nodes", "bytes", "utf8-bytes"],
)
def test_queries_over_a_limit_are_refused_before_compiling(
    where: dict[str, Any], message: str
) -> None:
    with pytest.raises(QueryError, match="maximum allowed") as refused:
        compile_where(where)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_queries_at_the_limits_are_accepted() -> None:
    compile_where({"f": {"$in": list(range(N))}, "g": {"$nin": list(range(N))}})
    compile_where({"$or": [{"f": i} for i in range(MAX_QUERY_CONDITIONS - 1)]})


def test_an_oversized_list_is_refused_without_visiting_its_items() -> None:
    where = {"f": {"$in": list(range(5_000_000))}}
    started = time.perf_counter()
    with pytest.raises(QueryError, match="maximum allowed"):
        measure_where(where)
    assert time.perf_counter() - started < 0.05


def test_values_inside_operands_are_not_conditions() -> None:
    pointers = [{"__type": "Pointer", "className": "C", "objectId": str(i)} for i in range(N)]
    cost = measure_where({"owner": {"$in": pointers}, "meta": {"a": {"b": 1}}})
    assert cost.conditions == 3  # owner, $in, meta
    assert cost.regexes == 0
    assert measure_where({"$or": [{"a": {"$regex": "x"}}, {"b": {"$regex": "y"}}]}).regexes == 2


def _pointer(i: int) -> dict[str, str]:
    return {"__type": "Pointer", "className": "C", "objectId": f"{i:010d}"}


def _date(i: int) -> dict[str, str]:
    return {"__type": "Date", "iso": f"2024-01-01T00:00:{i % 60:02d}.{i % 1000:03d}Z"}


C = MAX_QUERY_CONDITIONS - 2
SHAPES = {
    "in-short-strings": {"f": {"$in": [f"v{i:07d}" for i in range(N)]}},
    "in-one-char": {"f": {"$in": [chr(65 + i % 26) + str(i) for i in range(N)]}},
    "in-ints": {"f": {"$in": list(range(N))}},
    "in-floats": {"f": {"$in": [i + 0.5 for i in range(N)]}},
    "in-pointers": {"f": {"$in": [_pointer(i) for i in range(N)]}},
    "in-dates": {"createdAt": {"$in": [_date(i) for i in range(N)]}},
    "in-indexed": {"f": {"$in": [f"v{i:07d}" for i in range(MAX_INDEXED_VALUES)]}},
    "in-lists": {"f": {"$in": [[i, i + 1] for i in range(N)]}},
    "all": {"f": {"$all": [f"v{i:07d}" for i in range(N)]}},
    "or-of-equalities": {"$or": [{"f": f"v{i}"} for i in range(C // 2)]},
    "or-indexed": {"$or": [{"f": f"v{i}"} for i in range(MAX_INDEXED_VALUES)]},
    "many-fields": {f"f{i}": i for i in range(C)},
    "ranges": {f"f{i}": {"$gt": i, "$lt": i + 5} for i in range(C // 3)},
    "nested-value": {"f": {"a": [{"b": i, "c": [i, i]} for i in range(N // 4)]}},
    "long-strings": {"f": {"$in": ["x" * 900 + f"{i:05d}" for i in range(1000)]}},
    "regexes": {"$or": [{"f": {"$regex": f"^ab{i}.*c", "$options": "i"}} for i in range(8)]},
    "tiny": {"f": "x"},
}


@pytest.mark.parametrize("where", list(SHAPES.values()), ids=list(SHAPES))
def test_the_memory_estimate_bounds_what_a_subscription_holds(where: dict[str, Any]) -> None:
    frame = orjson.dumps({"className": "C", "where": where})
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        parsed = orjson.loads(frame)["where"]  # as the server receives it
        matcher = compile_where(parsed)
        index: SubscriptionIndex[object] = SubscriptionIndex()
        index.add(matcher, "C", parsed)
        key = group_key("C", parsed)
        held = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert key
    assert held <= matcher.cost.memory, f"holds {held} bytes, estimated {matcher.cost.memory}"
    # ... and not wildly above it either, or the budget would refuse honest clients.
    if not matcher.cost.regexes:
        assert matcher.cost.memory <= 4 * max(held, 16_384)


def test_a_large_in_is_not_filed_under_each_value() -> None:
    where = {"f": {"$in": [f"v{i:07d}" for i in range(N)]}}
    index: SubscriptionIndex[str] = SubscriptionIndex()
    index.add("big", "C", where)
    index.add("small", "C", {"f": "v0000001"})
    assert index.candidates("C", None, {"f": "v0000005"}) == {"big"}
    assert index.candidates("C", None, {"f": "v0000001"}) == {"big", "small"}
    matcher = compile_where(where)
    assert matcher({"f": "v0000005"})
    assert not matcher({"f": "w"})


def test_a_large_in_subscription_holds_a_bounded_multiple_of_its_frame() -> None:
    """The 50x blow-up: a set per value in the index, a second set of the same
    strings in the matcher, and every query compiled twice."""
    where = {"f": {"$in": [f"v{i:07d}" for i in range(N)]}}
    frame = orjson.dumps({"className": "C", "where": where})
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        parsed = orjson.loads(frame)["where"]
        matcher = compile_where(parsed)
        index: SubscriptionIndex[object] = SubscriptionIndex()
        index.add(matcher, "C", parsed)
        held = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert held < 15 * len(frame), f"{held} bytes held for a {len(frame)}-byte query"
