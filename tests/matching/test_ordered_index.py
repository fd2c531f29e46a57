"""The range and prefix parts of the subscription index: exact enough, never too narrow.

``candidates`` must be a superset of what matches (the property test in
``test_index.py`` checks that on generated queries, ranges and regexes
included); these tests pin what the parts file and that a write no longer
tests subscriptions it cannot match.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livequery_cli.matching import compile_where
from livequery_cli.matching.index import SubscriptionIndex
from livequery_cli.matching.ordered_index import RangeIndex, range_bounds, regex_prefix


@pytest.mark.parametrize(
    ("constraint", "prefix"),
    [
        ({"$regex": "^dr"}, "dr"),
        ({"$regex": "^\\Qa.b\\E"}, "a.b"),  # the SDKs' startsWith
        ({"$regex": "^abc*"}, "ab"),
        ({"$regex": "^ab?c"}, "a"),
        ({"$regex": "^a{2}"}, None),
        ({"$regex": "^(ab)"}, None),
        ({"$regex": "dr"}, None),  # not anchored
        ({"$regex": "^dr", "$options": "i"}, None),
        ({"$regex": "^dr", "$options": "m"}, None),  # ^ after any newline
        ({"$regex": "^" + "x" * 40}, "x" * 16),
    ],
)
def test_regex_prefix(constraint: dict[str, str], prefix: str | None) -> None:
    assert regex_prefix(constraint) == prefix


def test_range_bounds_keep_brackets_apart() -> None:
    assert range_bounds({"$gt": 10, "$lte": 20}) == ((0, 10), (0, 20))
    lo, hi = range_bounds({"$gte": "m"}) or ((), ())
    assert lo == (1, "m")
    assert (1, "zzz") < hi < (2, 0)  # open upwards, to the end of the strings
    assert range_bounds({"$ne": 3}) is None
    assert range_bounds({"$gt": float("nan")}) is None


def test_a_write_tests_only_the_ranges_and_prefixes_that_can_hold_it() -> None:
    index: SubscriptionIndex[int] = SubscriptionIndex()
    for i in range(10_000):
        index.add(i, "Game", {"score": {"$gte": i * 10, "$lt": i * 10 + 10}})
        index.add(-i - 1, "Game", {"name": {"$regex": f"^user{i:05d}"}})
    found = index.candidates("Game", None, {"score": 12_345, "name": "user01234-x"})
    assert found == {1234, -1235}


@given(
    st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)), max_size=300),
    st.lists(st.integers(-60, 60), max_size=20),
)
def test_stabbing_finds_exactly_the_intervals_that_hold_a_value(
    intervals: list[tuple[int, int]], values: list[int]
) -> None:
    ranges: RangeIndex[int] = RangeIndex()
    handles = {}
    for n, (a, b) in enumerate(intervals):
        lo, hi = min(a, b), max(a, b)
        handles[n] = ranges.add((0, lo), (0, hi), n)
    for n in list(handles)[::3]:  # removal keeps the blocks right
        ranges.remove(handles.pop(n))
    for v in values:
        expected = {n for n in handles if min(intervals[n]) <= v <= max(intervals[n])}
        assert set(ranges.stab((0, v))) == expected


@given(st.text(max_size=6), st.lists(st.text(max_size=6), max_size=5))
def test_a_regex_subscription_is_a_candidate_whenever_it_matches(
    prefix: str, values: list[str]
) -> None:
    import re

    where = {"name": {"$regex": "^" + re.escape(prefix) if prefix else "^"}}
    where_quoted = {"name": {"$regex": "^\\Q" + prefix.replace("\\E", "") + "\\E"}}
    for query in (where, where_quoted):
        index: SubscriptionIndex[int] = SubscriptionIndex()
        index.add(1, "Game", query)
        matcher = compile_where(query)
        for value in [*values, prefix + "tail", [prefix, "x"]]:
            obj = {"objectId": "o", "name": value}
            if matcher(obj):
                assert 1 in index.candidates("Game", None, obj)
