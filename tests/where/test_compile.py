"""``--where`` text -> exact Parse ``where`` JSON, one row per language feature."""

from __future__ import annotations

import json
from typing import Any

import pytest

from livequery_cli.where import compile_where, compile_wheres


def exact(value: Any) -> str:
    """JSON text with sorted keys: tells 1 from 1.0 and True from 1, unlike ``==`` on dicts."""
    return json.dumps(value, sort_keys=True)


DATE_2026 = {"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"}
PLAYER = {"__type": "Pointer", "className": "Player", "objectId": "xWMyZ4YEGZ"}

CASES: list[tuple[str, dict[str, Any]]] = [
    # comparisons, symbolic and word forms
    ("score = 100", {"score": 100}),
    ("score == 100", {"score": 100}),
    ("score eq 100", {"score": 100}),
    ("score != 100", {"score": {"$ne": 100}}),
    ("score ne 100", {"score": {"$ne": 100}}),
    ("score > 100", {"score": {"$gt": 100}}),
    ("score>100", {"score": {"$gt": 100}}),
    ("score gt 100", {"score": {"$gt": 100}}),
    ("score GT 100", {"score": {"$gt": 100}}),
    ("score >= 100", {"score": {"$gte": 100}}),
    ("score ge 100", {"score": {"$gte": 100}}),
    ("score < 100", {"score": {"$lt": 100}}),
    ("score lt 100", {"score": {"$lt": 100}}),
    ("score <= 100", {"score": {"$lte": 100}}),
    ("score le 100", {"score": {"$lte": 100}}),
    # numbers
    ("n = -5", {"n": -5}),
    ("n = +5", {"n": 5}),
    ("n = 1.5", {"n": 1.5}),
    ("n = 1e3", {"n": 1000.0}),
    ("n = -2.5E-3", {"n": -0.0025}),
    ("n = 9007199254740992", {"n": 9007199254740992}),
    ("n > -1", {"n": {"$gt": -1}}),
    ("n>-1", {"n": {"$gt": -1}}),
    # literals, case-insensitive
    ("boss = true", {"boss": True}),
    ("boss = FALSE", {"boss": False}),
    ("owner = null", {"owner": None}),
    # strings
    ("name = alice", {"name": "alice"}),
    ("name = 'Alice Smith'", {"name": "Alice Smith"}),
    ('name = "Alice Smith"', {"name": "Alice Smith"}),
    ('name = "say \\"hi\\""', {"name": 'say "hi"'}),
    ("name = 'it\\'s'", {"name": "it's"}),
    ('name = "tab\\there\\nline\\\\"', {"name": "tab\there\nline\\"}),
    ('name = "\\u00e9\\ud83d\\ude00"', {"name": "é😀"}),
    ('name = "true"', {"name": "true"}),
    ('name = "100"', {"name": "100"}),
    ("email = bob@example.com", {"email": "bob@example.com"}),
    ("name = café", {"name": "café"}),
    ("version = v1.2.3", {"version": "v1.2.3"}),
    ("slug = my-post_1", {"slug": "my-post_1"}),
    ("url = 'http://x.org/a'", {"url": "http://x.org/a"}),
    # dates
    ("createdAt > @2026-01-01", {"createdAt": {"$gt": DATE_2026}}),
    ("createdAt > @2026-01-01T00:00:00Z", {"createdAt": {"$gt": DATE_2026}}),
    (
        "updatedAt <= @2026-03-04T05:06:07.891Z",
        {"updatedAt": {"$lte": {"__type": "Date", "iso": "2026-03-04T05:06:07.891Z"}}},
    ),
    (
        "at = @2026-01-01T02:30:00+02:00",
        {"at": {"__type": "Date", "iso": "2026-01-01T00:30:00.000Z"}},
    ),
    (
        "at = @2026-01-01T10:00-0130",
        {"at": {"__type": "Date", "iso": "2026-01-01T11:30:00.000Z"}},
    ),
    (
        "at = @2026-01-01T10:00:00.1234567Z",
        {"at": {"__type": "Date", "iso": "2026-01-01T10:00:00.123Z"}},
    ),
    # pointers
    ("player = Player:xWMyZ4YEGZ", {"player": PLAYER}),
    (
        "user = _User:abc123",
        {"user": {"__type": "Pointer", "className": "_User", "objectId": "abc123"}},
    ),
    ("player != Player:xWMyZ4YEGZ", {"player": {"$ne": PLAYER}}),
    # lists
    ("tags = [1, 'a', true]", {"tags": [1, "a", True]}),
    ("tags = []", {"tags": []}),
    ("grid = [[1, 2], [3]]", {"grid": [[1, 2], [3]]}),
    ("size in [small, medium]", {"size": {"$in": ["small", "medium"]}}),
    ("size in [small, medium,]", {"size": {"$in": ["small", "medium"]}}),
    ("size not in [1, 2]", {"size": {"$nin": [1, 2]}}),
    ("size NOT IN [1]", {"size": {"$nin": [1]}}),
    (
        "player in [Player:a1, Player:b2]",
        {
            "player": {
                "$in": [
                    {"__type": "Pointer", "className": "Player", "objectId": "a1"},
                    {"__type": "Pointer", "className": "Player", "objectId": "b2"},
                ]
            }
        },
    ),
    ("d in [@2026-01-01]", {"d": {"$in": [DATE_2026]}}),
    # regex
    ('name ~ "^al"', {"name": {"$regex": "^al"}}),
    ("name ~ '^al'", {"name": {"$regex": "^al"}}),
    ('name ~* "^al"', {"name": {"$regex": "^al", "$options": "i"}}),
    ("name ~ /^al\\d+/", {"name": {"$regex": "^al\\d+"}}),
    ("name ~ /^al/i", {"name": {"$regex": "^al", "$options": "i"}}),
    ("name ~* /^al/ms", {"name": {"$regex": "^al", "$options": "ims"}}),
    ("name ~ /^al/sim", {"name": {"$regex": "^al", "$options": "ims"}}),
    ("path ~ /a\\/b/", {"path": {"$regex": "a/b"}}),
    ('path ~ "a\\\\/b"', {"path": {"$regex": "a/b"}}),
    ("name~/x/", {"name": {"$regex": "x"}}),
    # existence
    ("score exists", {"score": {"$exists": True}}),
    ("score missing", {"score": {"$exists": False}}),
    ("score EXISTS", {"score": {"$exists": True}}),
    # paths
    ("level.boss = true", {"level.boss": True}),
    ("a.b.c_d.E9 > 1", {"a.b.c_d.E9": {"$gt": 1}}),
    ("`first name` = Al", {"first name": "Al"}),
    ("`not` = 1", {"not": 1}),
    ("stats.`hit-rate` > 0.5", {"stats.hit-rate": {"$gt": 0.5}}),
    ("in = 1", {"in": 1}),
    ("exists exists", {"exists": {"$exists": True}}),
    ("_private = 1", {"_private": 1}),
    # and: different keys sit side by side
    ("a = 1 and b = 2", {"a": 1, "b": 2}),
    ("a = 1 AND b = 2 and c exists", {"a": 1, "b": 2, "c": {"$exists": True}}),
    # and: operators on one key merge, as the JS SDK's greaterThan + lessThan do
    ("score > 1 and score < 9", {"score": {"$gt": 1, "$lt": 9}}),
    ("score exists and score != 3", {"score": {"$exists": True, "$ne": 3}}),
    # and: collisions that cannot merge go to $and
    ("score > 1 and score > 2", {"$and": [{"score": {"$gt": 1}}, {"score": {"$gt": 2}}]}),
    ("a = 1 and a = 2", {"$and": [{"a": 1}, {"a": 2}]}),
    ("a = 1 and a > 0", {"$and": [{"a": 1}, {"a": {"$gt": 0}}]}),
    (
        "x > 1 and x < 5 and x > 0",
        {"$and": [{"x": {"$gt": 1, "$lt": 5}}, {"x": {"$gt": 0}}]},
    ),
    (
        "(a = 1 or b = 2) and (c = 1 or d = 2)",
        {"$and": [{"$or": [{"a": 1}, {"b": 2}]}, {"$or": [{"c": 1}, {"d": 2}]}]},
    ),
    (
        "(a = 1 or b = 2) and c = 3",
        {"$or": [{"a": 1}, {"b": 2}], "c": 3},
    ),
    # or, flattened
    ("a = 1 or b = 2", {"$or": [{"a": 1}, {"b": 2}]}),
    ("a = 1 or b = 2 or c = 3", {"$or": [{"a": 1}, {"b": 2}, {"c": 3}]}),
    ("(a = 1 or b = 2) or c = 3", {"$or": [{"a": 1}, {"b": 2}, {"c": 3}]}),
    ("a = 1 OR b = 2", {"$or": [{"a": 1}, {"b": 2}]}),
    # precedence: and binds tighter than or
    ("a = 1 or b = 2 and c = 3", {"$or": [{"a": 1}, {"b": 2, "c": 3}]}),
    ("(a = 1 or b = 2) and c = 3", {"$or": [{"a": 1}, {"b": 2}], "c": 3}),
    ("((a = 1))", {"a": 1}),
    # not: pushed onto the dual operator
    ("not a = 1", {"a": {"$ne": 1}}),
    ("not a != 1", {"a": 1}),
    ("not not a = 1", {"a": 1}),
    ("not a in [1, 2]", {"a": {"$nin": [1, 2]}}),
    ("not a not in [1, 2]", {"a": {"$in": [1, 2]}}),
    ("not a exists", {"a": {"$exists": False}}),
    ("not a missing", {"a": {"$exists": True}}),
    ("NOT a = 1", {"a": {"$ne": 1}}),
    # not: De Morgan
    ("not (a = 1 or b = 2)", {"a": {"$ne": 1}, "b": {"$ne": 2}}),
    ("not (a = 1 and b = 2)", {"$or": [{"a": {"$ne": 1}}, {"b": {"$ne": 2}}]}),
    (
        "not (a = 1 and (b = 2 or c = 3))",
        {"$or": [{"a": {"$ne": 1}}, {"b": {"$ne": 2}, "c": {"$ne": 3}}]},
    ),
    (
        "not ((a = 1 and b = 2) or c = 3)",
        {"$or": [{"a": {"$ne": 1}}, {"b": {"$ne": 2}}], "c": {"$ne": 3}},
    ),
    # not: orderings and regexes have no exact dual, so $nor
    ("not score > 100", {"$nor": [{"score": {"$gt": 100}}]}),
    ("not score <= 100", {"$nor": [{"score": {"$lte": 100}}]}),
    ('not name ~* "^al"', {"$nor": [{"name": {"$regex": "^al", "$options": "i"}}]}),
    (
        "not score > 1 and not score < 0",
        {"$nor": [{"score": {"$gt": 1}}, {"score": {"$lt": 0}}]},
    ),
    (
        "not (score > 1 or name ~ x)",
        {"$nor": [{"score": {"$gt": 1}}, {"name": {"$regex": "x"}}]},
    ),
    (
        "not (score > 1 and name ~ x)",
        {"$or": [{"$nor": [{"score": {"$gt": 1}}]}, {"$nor": [{"name": {"$regex": "x"}}]}]},
    ),
    # whitespace is free
    ("  a=1   and\tb  =  2\n", {"a": 1, "b": 2}),
    ("(a=1)and(b=2)", {"a": 1, "b": 2}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_compile(text: str, expected: dict[str, Any]) -> None:
    assert exact(compile_where(text)) == exact(expected)


MULTI: list[tuple[list[str], dict[str, Any]]] = [
    ([], {}),
    (["a = 1"], {"a": 1}),
    (["a = 1", "b = 2"], {"a": 1, "b": 2}),
    (["score > 1", "score < 9"], {"score": {"$gt": 1, "$lt": 9}}),
    (["a = 1", "a = 2"], {"$and": [{"a": 1}, {"a": 2}]}),
    (
        ["a = 1 or b = 2", "c = 3 or d = 4"],
        {"$and": [{"$or": [{"a": 1}, {"b": 2}]}, {"$or": [{"c": 3}, {"d": 4}]}]},
    ),
    (["not x > 1", "not y ~ z"], {"$nor": [{"x": {"$gt": 1}}, {"y": {"$regex": "z"}}]}),
    (
        ["a = 1 and a = 2", "a = 3"],
        {"$and": [{"a": 1}, {"a": 2}, {"a": 3}]},
    ),
]


@pytest.mark.parametrize(("texts", "expected"), MULTI, ids=[" | ".join(m[0]) for m in MULTI])
def test_compile_wheres_ands_repeated_expressions(
    texts: list[str], expected: dict[str, Any]
) -> None:
    assert exact(compile_wheres(texts)) == exact(expected)


def test_compile_wheres_reports_the_failing_expression() -> None:
    from livequery_cli.exceptions import WhereSyntaxError

    with pytest.raises(WhereSyntaxError) as info:
        compile_wheres(["a = 1", "b >"])
    assert info.value.source == "b >"
    assert str(info.value) == "expected a value after `>`"


def test_results_are_fresh_objects() -> None:
    first = compile_where("tags in [a]")
    first["tags"]["$in"].append("b")
    assert compile_where("tags in [a]") == {"tags": {"$in": ["a"]}}


ALL_OF: list[tuple[list[dict[str, Any]], dict[str, Any]]] = [
    ([], {}),
    ([{}, {"a": 1}, {}], {"a": 1}),
    ([{"a": {"$gt": 1}}, {"a": {"$lt": 5}, "b": 2}], {"a": {"$gt": 1, "$lt": 5}, "b": 2}),
    # $options must stay with its own $regex
    (
        [{"n": {"$options": "i"}}, {"n": {"$regex": "x"}}],
        {"$and": [{"n": {"$options": "i"}}, {"n": {"$regex": "x"}}]},
    ),
    (
        [{"n": {"$regex": "x", "$options": "i"}}, {"n": {"$ne": "y"}}],
        {"n": {"$regex": "x", "$options": "i", "$ne": "y"}},
    ),
    # geo operators make Parse skip the key's other operators: keep them apart
    (
        [
            {"loc": {"$nearSphere": {"__type": "GeoPoint", "latitude": 1, "longitude": 2}}},
            {"loc": {"$exists": True}},
        ],
        {
            "$and": [
                {"loc": {"$nearSphere": {"__type": "GeoPoint", "latitude": 1, "longitude": 2}}},
                {"loc": {"$exists": True}},
            ]
        },
    ),
    # nested $and flattens, $nor concatenates
    ([{"$and": [{"a": 1}, {"b": 2}]}, {"c": 3}], {"a": 1, "b": 2, "c": 3}),
    ([{"$nor": [{"a": 1}]}, {"$nor": [{"b": 2}]}], {"$nor": [{"a": 1}, {"b": 2}]}),
    # malformed logical operators are passed on untouched (the server reports them)
    ([{"$and": "x"}, {"a": 1}], {"$and": "x", "a": 1}),
    ([{"$and": "x"}, {"$and": "y"}], {"$and": [{"$and": "x"}, {"$and": "y"}]}),
    (
        [{"$and": "x"}, {"a": 1}, {"a": 2}],
        {"$and": [{"$and": "x"}, {"a": 1}, {"a": 2}]},
    ),
]


@pytest.mark.parametrize(("wheres", "expected"), ALL_OF, ids=[str(i) for i in range(len(ALL_OF))])
def test_all_of_ands_where_objects(wheres: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    from livequery_cli.where import all_of

    assert exact(all_of(wheres)) == exact(expected)
