"""The same queries built by the real Parse JS SDK (in node) and by ``Query`` / ``--where``.

``sdk_build_queries.js`` runs each program's calls on a ``Parse.Query``
(parse 8.6.2, the version pinned in tests/node) and prints ``toJSON()``; here
the same calls run on ``Query`` and the ``where`` objects must be identical.
Numbers compare by value (JavaScript prints ``1.0`` as ``1``), everything else
exactly.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support.parse_server import NODE_DIR, ensure_node_modules

from livequery_cli.client.query import GeoPoint, Query
from livequery_cli.where import compile_where

SCRIPT = Path(__file__).with_name("sdk_build_queries.js")

Program = dict[str, Any]


def call(method: str, *args: Any) -> list[Any]:
    return [method, *args]


def geo(lat: float, lng: float) -> dict[str, Any]:
    return {"$geo": [lat, lng]}


PLAYER = {"__type": "Pointer", "className": "Player", "objectId": "xWMyZ4YEGZ"}

PROGRAMS: list[tuple[str, Program]] = [
    ("equal", {"calls": [call("equalTo", "name", "alice"), call("equalTo", "boss", True)]}),
    ("equal-overrides", {"calls": [call("greaterThan", "a", 1), call("equalTo", "a", 2)]}),
    ("ne-after-equal", {"calls": [call("equalTo", "a", "x"), call("notEqualTo", "a", "y")]}),
    (
        "range",
        {"calls": [call("greaterThan", "score", 1), call("lessThanOrEqualTo", "score", 9.5)]},
    ),
    (
        "comparisons",
        {
            "calls": [
                call("lessThan", "a", 1),
                call("greaterThanOrEqualTo", "b", -2),
                call("notEqualTo", "c", None),
            ]
        },
    ),
    (
        "lists",
        {
            "calls": [
                call("containedIn", "a", [1, "x", True]),
                call("notContainedIn", "b", []),
                call("containsAll", "c", ["p", "q"]),
                call("containedBy", "d", [1, 2]),
            ]
        },
    ),
    ("exists", {"calls": [call("exists", "a"), call("doesNotExist", "b")]}),
    ("matches", {"calls": [call("matches", "name", "^al", "i")]}),
    ("matches-regexp", {"calls": [call("matches", "name", {"$regexp": ["\\bor\\b", "im"]})]}),
    (
        "strings",
        {
            "calls": [
                call("startsWith", "a", "Abc.*"),
                call("endsWith", "b", "x$y", "i"),
                call("contains", "c", "slash-E \\E"),
            ]
        },
    ),
    ("contains-all-starting-with", {"calls": [call("containsAllStartingWith", "t", ["ho", "o"])]}),
    ("date", {"calls": [call("greaterThan", "createdAt", {"$date": "2026-01-02T03:04:05.678Z"})]}),
    ("pointer", {"calls": [call("equalTo", "player", PLAYER)]}),
    ("pointer-in", {"calls": [call("containedIn", "player", [PLAYER])]}),
    ("near", {"calls": [call("near", "loc", geo(10, 20))]}),
    ("within-radians", {"calls": [call("withinRadians", "loc", geo(20, 40), 2)]}),
    ("within-miles", {"calls": [call("withinMiles", "loc", geo(20, 30), 100, True)]}),
    ("within-km-unsorted", {"calls": [call("withinKilometers", "loc", geo(30, 30), 50, False)]}),
    ("geo-box", {"calls": [call("withinGeoBox", "loc", geo(20, 20), geo(30, 40))]}),
    (
        "polygon",
        {"calls": [call("withinPolygon", "loc", [geo(0, 0), geo(0, 1), geo(1, 1)])]},
    ),
    ("polygon-contains", {"calls": [call("polygonContains", "area", geo(0.5, 0.5))]}),
    ("select-watch", {"calls": [call("select", "a", "b"), call("watch", "c")]}),
    (
        "or",
        {
            "compound": "or",
            "queries": [
                {"calls": [call("greaterThan", "score", 100)]},
                {"calls": [call("equalTo", "boss", True)]},
            ],
        },
    ),
    (
        "and",
        {
            "compound": "and",
            "queries": [
                {"calls": [call("equalTo", "a", 1)]},
                {"calls": [call("equalTo", "a", 2)]},
            ],
        },
    ),
    ("nor", {"compound": "nor", "queries": [{"calls": [call("exists", "a")]}]}),
]

SNAKE = {
    "equalTo": "equal_to",
    "notEqualTo": "not_equal_to",
    "lessThan": "less_than",
    "lessThanOrEqualTo": "less_than_or_equal_to",
    "greaterThan": "greater_than",
    "greaterThanOrEqualTo": "greater_than_or_equal_to",
    "containedIn": "contained_in",
    "notContainedIn": "not_contained_in",
    "containsAll": "contains_all",
    "containedBy": "contained_by",
    "exists": "exists",
    "doesNotExist": "does_not_exist",
    "matches": "matches",
    "startsWith": "starts_with",
    "endsWith": "ends_with",
    "contains": "contains",
    "containsAllStartingWith": "contains_all_starting_with",
    "near": "near",
    "withinRadians": "within_radians",
    "withinMiles": "within_miles",
    "withinKilometers": "within_kilometers",
    "withinGeoBox": "within_geo_box",
    "withinPolygon": "within_polygon",
    "polygonContains": "polygon_contains",
    "select": "select",
    "watch": "watch",
}


def decode(value: Any) -> Any:
    """The Python counterpart of a tagged argument."""

    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "$geo" in value:
            return GeoPoint(*value["$geo"])
        if "$date" in value:
            return datetime.fromisoformat(value["$date"])
        if "$regexp" in value:
            source, flags = value["$regexp"]
            bits = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}
            mask = 0
            for flag in flags:
                mask |= bits[flag]
            return re.compile(source, mask)
        return {k: decode(v) for k, v in value.items()}
    return value


def build(program: Program) -> Query:
    if "compound" in program:
        combine = {"or": Query.or_, "and": Query.and_, "nor": Query.nor}[program["compound"]]
        return combine(*(build(p) for p in program["queries"]))
    query = Query(program.get("className", "Game"))
    for method, *args in program["calls"]:
        getattr(query, SNAKE[method])(*(decode(a) for a in args))
    return query


def sdk_json(programs: list[Program]) -> list[dict[str, Any]]:
    ensure_node_modules()
    payload = [_with_class(p) for p in programs]
    env = {**os.environ, "NODE_PATH": str(NODE_DIR / "node_modules")}
    result = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(payload).encode(),
        capture_output=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return list(json.loads(result.stdout))


def _with_class(program: Program) -> Program:
    if "compound" in program:
        return {**program, "queries": [_with_class(q) for q in program["queries"]]}
    return {"className": "Game", **program}


def numeric(value: Any) -> Any:
    """JSON as JavaScript prints it: integral floats become ints (1.0 -> 1)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [numeric(v) for v in value]
    if isinstance(value, dict):
        return {k: numeric(v) for k, v in value.items()}
    return value


def same(a: Any, b: Any) -> bool:
    return json.dumps(numeric(a), sort_keys=True) == json.dumps(numeric(b), sort_keys=True)


@pytest.fixture(scope="module")
def sdk_results() -> dict[str, dict[str, Any]]:
    results = sdk_json([program for _, program in PROGRAMS])
    return {name: result for (name, _), result in zip(PROGRAMS, results, strict=True)}


@pytest.mark.parametrize(("name", "program"), PROGRAMS, ids=[name for name, _ in PROGRAMS])
def test_query_builds_what_the_sdk_builds(
    name: str, program: Program, sdk_results: dict[str, dict[str, Any]]
) -> None:
    ours = build(program)
    theirs = sdk_results[name]
    assert same(ours.where, theirs["where"]), (ours.where, theirs["where"])
    assert (",".join(ours.keys) if ours.keys else None) == theirs.get("keys")
    assert (",".join(ours.watch_fields) if ours.watch_fields else None) == theirs.get("watch")


# --where text -> the SDK's where for the equivalent builder calls.
WHERE_PARITY: list[tuple[str, Program]] = [
    (
        "score > 1 and score < 9",
        {"calls": [call("greaterThan", "score", 1), call("lessThan", "score", 9)]},
    ),
    (
        "name = alice and boss = true",
        {"calls": [call("equalTo", "name", "alice"), call("equalTo", "boss", True)]},
    ),
    ("size in [small, medium]", {"calls": [call("containedIn", "size", ["small", "medium"])]}),
    ("size not in [1, 2]", {"calls": [call("notContainedIn", "size", [1, 2])]}),
    (
        "score exists and name missing",
        {"calls": [call("exists", "score"), call("doesNotExist", "name")]},
    ),
    ('name ~* "^al"', {"calls": [call("matches", "name", "^al", "i")]}),
    ("player = Player:xWMyZ4YEGZ", {"calls": [call("equalTo", "player", PLAYER)]}),
    (
        "createdAt >= @2026-01-02T03:04:05.678Z",
        {
            "calls": [
                call("greaterThanOrEqualTo", "createdAt", {"$date": "2026-01-02T03:04:05.678Z"})
            ]
        },
    ),
    (
        "score > 100 or boss = true",
        {
            "compound": "or",
            "queries": [
                {"calls": [call("greaterThan", "score", 100)]},
                {"calls": [call("equalTo", "boss", True)]},
            ],
        },
    ),
    (
        "not score > 100",
        {"compound": "nor", "queries": [{"calls": [call("greaterThan", "score", 100)]}]},
    ),
]


def test_where_text_compiles_to_what_the_sdk_builds() -> None:
    results = sdk_json([program for _, program in WHERE_PARITY])
    for (text, _), theirs in zip(WHERE_PARITY, results, strict=True):
        assert same(compile_where(text), theirs["where"]), (text, theirs["where"])
