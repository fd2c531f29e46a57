"""Event decision, ``keys`` projection and ``watch`` filtering."""

from __future__ import annotations

from typing import Any

import pytest

from livequery_cli.matching import decide_event, event_bodies, project, watch_triggers


@pytest.mark.parametrize(
    ("original", "current", "has_original", "expected"),
    [
        (True, True, True, "update"),
        (True, False, True, "leave"),
        (False, True, True, "enter"),
        (False, True, False, "create"),
        (False, False, True, None),
        (False, False, False, None),
    ],
)
def test_decide_event(
    original: bool, current: bool, has_original: bool, expected: str | None
) -> None:
    assert decide_event(original, current, has_original) == expected


OBJ: dict[str, Any] = {
    "className": "Game",
    "objectId": "g1",
    "createdAt": "2024-01-01T00:00:00.000Z",
    "updatedAt": "2024-01-02T00:00:00.000Z",
    "ACL": {"*": {"read": True}},
    "score": 5,
    "name": "x",
    "meta": {"a": 1},
}


def test_project_keeps_listed_and_always_kept_fields_in_parse_order() -> None:
    projected = project(OBJ, ["score", "missing", "meta.a"])
    assert list(projected) == ["className", "objectId", "updatedAt", "createdAt", "ACL", "score"]
    assert projected["score"] == 5


def test_project_leaves_out_absent_always_kept_fields() -> None:
    assert project({"objectId": "a", "x": 1, "y": 2}, ["y"]) == {"objectId": "a", "y": 2}


def test_project_without_keys_is_a_copy() -> None:
    copy = project(OBJ, None)
    assert copy == OBJ
    assert copy is not OBJ


WATCH_CASES: list[tuple[str, list[str] | None, dict[str, Any], dict[str, Any] | None, bool]] = [
    ("no watch", None, {"a": 1}, {"a": 1}, True),
    ("empty watch", [], {"a": 1}, {"a": 1}, True),
    ("watched changed", ["a"], {"a": 2, "b": 1}, {"a": 1, "b": 1}, True),
    ("only unwatched changed", ["a"], {"a": 1, "b": 2}, {"a": 1, "b": 1}, False),
    ("one of several changed", ["a", "b"], {"a": 1, "b": 2}, {"a": 1, "b": 1}, True),
    ("watched field added", ["a"], {"a": 1}, {}, True),
    ("watched field removed", ["a"], {}, {"a": 1}, True),
    ("create with watched field", ["a"], {"a": 1}, None, True),
    ("create with watched null", ["a"], {"a": None}, None, True),
    ("create without watched field", ["a"], {"b": 1}, None, False),
    (
        "same date, other spelling",
        ["d"],
        {"d": {"__type": "Date", "iso": "2024-01-01T00:00:00Z"}},
        {"d": {"__type": "Date", "iso": "2024-01-01T00:00:00.000Z"}},
        False,
    ),
    (
        "same pointer",
        ["p"],
        {"p": {"__type": "Pointer", "className": "A", "objectId": "1"}},
        {"p": {"__type": "Pointer", "className": "A", "objectId": "1"}},
        False,
    ),
    (
        "other pointer",
        ["p"],
        {"p": {"__type": "Pointer", "className": "A", "objectId": "2"}},
        {"p": {"__type": "Pointer", "className": "A", "objectId": "1"}},
        True,
    ),
    ("array element changed", ["t"], {"t": [1, 2]}, {"t": [1, 3]}, True),
    ("true is not 1", ["v"], {"v": True}, {"v": 1}, True),
    ("sub-object key order", ["m"], {"m": {"a": 1, "b": 2}}, {"m": {"b": 2, "a": 1}}, False),
    ("dotted path changed", ["m.a"], {"m": {"a": 2}}, {"m": {"a": 1}}, True),
    ("dotted path same", ["m.a"], {"m": {"a": 1, "b": 2}}, {"m": {"a": 1, "b": 1}}, False),
]


@pytest.mark.parametrize(
    ("watch", "current", "original", "expected"),
    [c[1:] for c in WATCH_CASES],
    ids=[c[0] for c in WATCH_CASES],
)
def test_watch_triggers(
    watch: list[str] | None,
    current: dict[str, Any],
    original: dict[str, Any] | None,
    expected: bool,
) -> None:
    assert watch_triggers(watch, current, original) is expected


NOW = {"objectId": "g1", "v": 2}
BEFORE = {"objectId": "g1", "v": 1}


@pytest.mark.parametrize(
    ("op", "flags", "expected"),
    [
        # query stopped matching, still readable: the new state is shown
        ("leave", (True, False, True, True), (NOW, BEFORE)),
        # read access lost while the query still matches: the old state stands in
        ("leave", (True, True, True, False), (BEFORE, BEFORE)),
        # query stopped matching and access lost too
        ("leave", (True, False, True, False), (BEFORE, BEFORE)),
        # query started matching, old version readable: original is sent
        ("enter", (False, True, True, True), (NOW, BEFORE)),
        # read access granted while the query already matched: no original
        ("enter", (True, True, False, True), (NOW, None)),
        # query started matching, old version unreadable: no original
        ("enter", (False, True, False, True), (NOW, None)),
        ("update", (True, True, True, True), (NOW, BEFORE)),
        ("create", (False, True, False, True), (NOW, None)),
    ],
)
def test_event_bodies(
    op: Any, flags: tuple[bool, bool, bool, bool], expected: tuple[Any, Any]
) -> None:
    original = None if op == "create" else BEFORE
    original_query, current_query, original_readable, current_readable = flags
    assert (
        event_bodies(
            op,
            NOW,
            original,
            original_query_matched=original_query,
            current_query_matched=current_query,
            original_readable=original_readable,
            current_readable=current_readable,
        )
        == expected
    )
