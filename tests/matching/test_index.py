"""``SubscriptionIndex``: filing, removal, and candidates ⊇ true matches."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching.strategies import RELAXED, parse_objects, pointer, where_clauses

from livequery_cli.matching import SubscriptionIndex, compile_where, index_keys


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"room": "lobby"}, {("room", "lobby")}),
        ({"room": {"$eq": "lobby"}}, {("room", "lobby")}),
        ({"room": {"$in": ["a", "b"]}}, {("room", "a"), ("room", "b")}),
        ({"room": {"$in": ["a", "b"]}, "objectId": "x"}, {("objectId", "x")}),
        ({"$or": [{"room": "a"}, {"owner": "u"}]}, {("room", "a"), ("owner", "u")}),
        ({"$and": [{"score": {"$gt": 1}}, {"room": "a"}]}, {("room", "a")}),
        ({"room": {"$in": []}}, set()),
        ({"$or": []}, set()),
    ],
)
def test_index_keys(where: dict[str, Any], expected: set[tuple[str, Any]]) -> None:
    assert index_keys(where) == expected


@pytest.mark.parametrize(
    "where",
    [
        {},
        {"score": {"$gt": 100}},
        {"room": None},
        {"room": {"$in": ["a", None]}},
        {"room": {"$ne": "a"}},
        {"meta.room": "a"},
        {"createdAt": "2024-01-01T00:00:00Z"},
        {"tags": ["a", "b"]},
        {"$or": [{"room": "a"}, {"score": {"$gt": 1}}]},
        {"$nor": [{"room": "a"}]},
    ],
)
def test_not_indexable_goes_to_fallback(where: dict[str, Any]) -> None:
    assert index_keys(where) is None


def test_candidates_by_equality_pointer_and_bare_id() -> None:
    index: SubscriptionIndex[str] = SubscriptionIndex()
    index.add("lobby", "Game", {"room": "lobby"})
    index.add("kitchen", "Game", {"room": "kitchen"})
    index.add("mine", "Game", {"owner": pointer("u1")})
    index.add("mine-by-id", "Game", {"owner": {"$in": ["u1"]}})
    index.add("flagged", "Game", {"flag": True})
    index.add("one", "Game", {"level": 1})
    index.add("scan", "Game", {"score": {"$gt": 1}})
    index.add("other-class", "Chat", {"room": "lobby"})

    obj = {"room": "lobby", "owner": pointer("u1"), "flag": 1, "level": 1.0}
    assert index.candidates("Game", None, obj) == {"lobby", "mine", "mine-by-id", "one", "scan"}
    assert index.candidates("Game", {"room": "kitchen"}, obj) >= {"lobby", "kitchen"}
    assert index.candidates("Game", {"room": ["kitchen", "x"]}, None) == {"kitchen", "scan"}
    assert index.candidates("Nope", None, obj) == set()


def test_remove_and_refile() -> None:
    index: SubscriptionIndex[int] = SubscriptionIndex()
    index.add(1, "Game", {"room": "a"})
    index.add(2, "Game", {})
    assert len(index) == 2
    assert 1 in index
    assert index.remove(1)
    assert not index.remove(1)
    assert index.candidates("Game", None, {"room": "a"}) == {2}
    index.add(2, "Game", {"room": "b"})  # re-filing the same handle replaces it
    assert index.candidates("Game", None, {"room": "a"}) == set()
    assert index.candidates("Game", None, {"room": "b"}) == {2}
    assert index.remove(2)
    assert len(index) == 0
    assert index.candidates("Game", None, {"room": "b"}) == set()


def test_a_query_that_matches_nothing_can_be_removed_after_the_rest() -> None:
    index: SubscriptionIndex[int] = SubscriptionIndex()
    index.add(0, "Game", {})
    index.add(1, "Game", {"name": {"$in": []}})  # filed under no key: it matches nothing
    assert index.remove(0)
    assert index.remove(1)
    assert len(index) == 0
    assert index.candidates("Game", None, {"name": "x"}) == set()


@settings(RELAXED, max_examples=150)
@given(
    queries=st.lists(where_clauses(), min_size=1, max_size=12),
    writes=st.lists(
        st.tuples(st.none() | parse_objects(), parse_objects()), min_size=1, max_size=6
    ),
)
def test_candidates_are_a_superset_of_true_matches(
    queries: list[dict[str, Any]], writes: list[tuple[dict[str, Any] | None, dict[str, Any]]]
) -> None:
    index: SubscriptionIndex[int] = SubscriptionIndex()
    matchers = {}
    for handle, where in enumerate(queries):
        index.add(handle, "Game", where)
        matchers[handle] = compile_where(where)
    for original, current in writes:
        truly = {
            handle
            for handle, matcher in matchers.items()
            if (original is not None and matcher(original)) or matcher(current)
        }
        assert index.candidates("Game", original, current) >= truly
    for handle in list(matchers)[::2]:
        index.remove(handle)
        del matchers[handle]
    for original, current in writes:
        found = index.candidates("Game", original, current)
        assert found <= set(matchers)
        assert found >= {h for h, m in matchers.items() if m(current)}


def test_candidates_per_write_do_not_grow_with_distinct_subscriptions() -> None:
    """The work per write is set by the subscriptions it can match, not by how many exist."""

    def candidate_count(total: int) -> int:
        index: SubscriptionIndex[int] = SubscriptionIndex()
        for handle in range(total):
            index.add(handle, "Game", {"room": f"r{handle}", "score": {"$gt": 1}})
        for handle in range(total, total + 5):
            index.add(handle, "Game", {"score": {"$gt": handle}})
        return len(index.candidates("Game", {"room": "r3"}, {"room": "r7", "score": 9}))

    assert candidate_count(100) == candidate_count(10_000) == 2 + 5


def test_a_key_every_subscription_shares_does_not_swallow_the_index() -> None:
    """``{run: TAG, slot: i}``: filed by ``slot``, so a write tests one or two matchers, not all."""
    index: SubscriptionIndex[int] = SubscriptionIndex()
    for i in range(1000):
        index.add(i, "Game", {"run": "r1", "slot": i})
    found = index.candidates("Game", None, {"run": "r1", "slot": 500})
    assert 500 in found
    assert len(found) <= 2  # the first subscription filed may sit under the shared key
