"""Every supported operator, table-driven against one Parse REST JSON object."""

from __future__ import annotations

from typing import Any

import pytest

from livequery_cli.matching import compile_where, matches

USER = {"__type": "Pointer", "className": "_User", "objectId": "u1"}
OTHER_USER = {"__type": "Pointer", "className": "_User", "objectId": "u2"}

OBJ: dict[str, Any] = {
    "className": "Game",
    "objectId": "g1",
    "createdAt": "2024-03-01T12:00:00.000Z",
    "updatedAt": "2024-03-02T12:00:00.000Z",
    "score": 150,
    "ratio": 0.5,
    "name": "Hello World",
    "active": True,
    "count": 0,
    "nothing": None,
    "tags": ["red", "blue"],
    "numbers": [1, 5, 9],
    "owner": USER,
    "players": [USER, {"__type": "Pointer", "className": "_User", "objectId": "u3"}],
    "when": {"__type": "Date", "iso": "2024-01-01T00:00:00.000Z"},
    "days": [
        {"__type": "Date", "iso": "2024-01-01T00:00:00.000Z"},
        {"__type": "Date", "iso": "2024-01-02T00:00:00.000Z"},
    ],
    "meta": {"level": 3, "city": {"name": "Paris"}, "label": "x"},
    "loc": {"__type": "GeoPoint", "latitude": 48.85, "longitude": 2.35},
    "area": {
        "__type": "Polygon",
        "coordinates": [[0, 0], [0, 10], [10, 10], [10, 0]],
    },
    "file": {"__type": "File", "name": "a.png", "url": "http://x/a.png"},
}

CASES: list[tuple[str, dict[str, Any], bool]] = [
    # plain equality
    ("string equal", {"name": "Hello World"}, True),
    ("string differs", {"name": "hello world"}, False),
    ("number equal", {"score": 150}, True),
    ("number equal as float", {"score": 150.0}, True),
    ("number differs", {"score": 151}, False),
    ("bool equal", {"active": True}, True),
    ("true is not 1", {"active": 1}, False),
    ("0 is not false", {"count": False}, False),
    ("missing field never equals a value", {"absent": "x"}, False),
    ("array contains scalar", {"tags": "red"}, True),
    ("array lacks scalar", {"tags": "green"}, False),
    ("array equals array", {"tags": ["red", "blue"]}, True),
    ("array order matters", {"tags": ["blue", "red"]}, False),
    ("pointer equal", {"owner": USER}, True),
    ("pointer other id", {"owner": OTHER_USER}, False),
    ("pointer in array", {"players": USER}, True),
    ("pointer not in array", {"players": OTHER_USER}, False),
    ("date equal", {"when": {"__type": "Date", "iso": "2024-01-01T00:00:00Z"}}, True),
    ("date differs", {"when": {"__type": "Date", "iso": "2024-01-01T00:00:01Z"}}, False),
    ("date in array", {"days": {"__type": "Date", "iso": "2024-01-02T00:00:00.000Z"}}, True),
    ("geopoint equal", {"loc": {"__type": "GeoPoint", "latitude": 48.85, "longitude": 2.35}}, True),
    ("file equal by name", {"file": {"__type": "File", "name": "a.png"}}, True),
    ("sub-object equal", {"meta.city": {"name": "Paris"}}, True),
    ("sub-object differs", {"meta.city": {"name": "Rome"}}, False),
    ("null matches null", {"nothing": None}, True),
    ("null matches missing", {"absent": None}, True),
    ("null does not match a value", {"name": None}, False),
    # dot notation
    ("dot equal", {"meta.level": 3}, True),
    ("dot two levels", {"meta.city.name": "Paris"}, True),
    ("dot missing", {"meta.nope": 3}, False),
    ("dot through scalar", {"name.length": 11}, False),
    ("dot into pointer", {"owner.objectId": "u1"}, True),
    ("dot range", {"meta.level": {"$gte": 3, "$lt": 4}}, True),
    # $eq / $ne
    ("$eq scalar", {"score": {"$eq": 150}}, True),
    ("$eq contains", {"tags": {"$eq": "red"}}, True),
    ("$eq literal object", {"meta.city": {"$eq": {"name": "Paris"}}}, True),
    ("$ne scalar", {"score": {"$ne": 1}}, True),
    ("$ne equal", {"score": {"$ne": 150}}, False),
    ("$ne missing", {"absent": {"$ne": 1}}, True),
    ("$ne null on present", {"name": {"$ne": None}}, True),
    ("$ne null on missing", {"absent": {"$ne": None}}, False),
    ("$ne in array", {"tags": {"$ne": "red"}}, False),
    ("$ne pointer", {"owner": {"$ne": OTHER_USER}}, True),
    # ranges
    ("$gt", {"score": {"$gt": 100}}, True),
    ("$gt equal", {"score": {"$gt": 150}}, False),
    ("$gte equal", {"score": {"$gte": 150}}, True),
    ("$lt", {"score": {"$lt": 200}}, True),
    ("$lte equal", {"score": {"$lte": 150}}, True),
    ("$lt fails", {"score": {"$lt": 150}}, False),
    ("range both bounds", {"score": {"$gt": 100, "$lt": 200}}, True),
    ("range empty", {"score": {"$gt": 160, "$lt": 200}}, False),
    ("float bound", {"ratio": {"$lt": 0.75}}, True),
    ("string range", {"name": {"$gte": "Hello", "$lt": "Hellp"}}, True),
    ("string vs number never", {"name": {"$gt": 1}}, False),
    ("number vs string never", {"score": {"$lt": "z"}}, False),
    ("missing never in range", {"absent": {"$gt": 0}}, False),
    ("missing never below", {"absent": {"$lt": 0}}, False),
    ("null never in range", {"nothing": {"$gte": 0}}, False),
    ("array any element", {"numbers": {"$gt": 8}}, True),
    ("array no element", {"numbers": {"$gt": 9}}, False),
    ("date range", {"when": {"$lt": {"__type": "Date", "iso": "2024-06-01T00:00:00Z"}}}, True),
    (
        "date range fails",
        {"when": {"$gt": {"__type": "Date", "iso": "2024-06-01T00:00:00Z"}}},
        False,
    ),
    ("bool range", {"active": {"$gt": False}}, True),
    # $in / $nin
    ("$in scalar", {"score": {"$in": [1, 150]}}, True),
    ("$in miss", {"score": {"$in": [1, 2]}}, False),
    ("$in empty", {"score": {"$in": []}}, False),
    ("$in array field any", {"tags": {"$in": ["green", "blue"]}}, True),
    ("$in array field none", {"tags": {"$in": ["green"]}}, False),
    ("$in pointer", {"owner": {"$in": [OTHER_USER, USER]}}, True),
    ("$in pointer by bare id", {"owner": {"$in": ["u1"]}}, True),
    ("$in pointer bare id miss", {"owner": {"$in": ["u2"]}}, False),
    ("$in pointer array by bare id", {"players": {"$in": ["u3"]}}, True),
    ("$in date", {"when": {"$in": [{"__type": "Date", "iso": "2024-01-01T00:00:00.000Z"}]}}, True),
    ("$in missing", {"absent": {"$in": ["x"]}}, False),
    ("$in null matches missing", {"absent": {"$in": ["x", None]}}, True),
    ("$in bool not number", {"active": {"$in": [1]}}, False),
    ("$nin scalar", {"score": {"$nin": [1, 2]}}, True),
    ("$nin hit", {"score": {"$nin": [150]}}, False),
    ("$nin array field", {"tags": {"$nin": ["blue"]}}, False),
    ("$nin missing", {"absent": {"$nin": ["x"]}}, True),
    ("$nin pointer bare id", {"owner": {"$nin": ["u1"]}}, False),
    # $all / $containedBy
    ("$all", {"tags": {"$all": ["blue", "red"]}}, True),
    ("$all partial", {"tags": {"$all": ["blue", "green"]}}, False),
    ("$all empty", {"tags": {"$all": []}}, True),
    ("$all missing", {"absent": {"$all": ["x"]}}, False),
    ("$all no substring", {"name": {"$all": ["Hello"]}}, False),
    ("$all scalar field", {"name": {"$all": ["Hello World"]}}, True),
    ("$all pointers", {"players": {"$all": [USER]}}, True),
    ("$containedBy", {"tags": {"$containedBy": ["red", "blue", "green"]}}, True),
    ("$containedBy extra element", {"tags": {"$containedBy": ["red"]}}, False),
    ("$containedBy missing", {"absent": {"$containedBy": ["red"]}}, False),
    ("$containedBy scalar", {"name": {"$containedBy": ["Hello World"]}}, False),
    ("$containedBy pointers by id", {"players": {"$containedBy": ["u1", "u3"]}}, True),
    # $exists
    ("$exists true", {"name": {"$exists": True}}, True),
    ("$exists true on null", {"nothing": {"$exists": True}}, True),
    ("$exists true missing", {"absent": {"$exists": True}}, False),
    ("$exists false missing", {"absent": {"$exists": False}}, True),
    ("$exists false present", {"name": {"$exists": False}}, False),
    ("$exists dotted", {"meta.city.name": {"$exists": True}}, True),
    # $regex
    ("$regex anywhere", {"name": {"$regex": "lo W"}}, True),
    ("$regex anchored", {"name": {"$regex": "^Hello"}}, True),
    ("$regex case", {"name": {"$regex": "^hello"}}, False),
    ("$regex i", {"name": {"$regex": "^hello", "$options": "i"}}, True),
    ("$regex quoted", {"name": {"$regex": "^\\QHello W\\E"}}, True),
    ("$regex quoted metachars", {"name": {"$regex": "\\Q.*\\E"}}, False),
    ("$regex missing field", {"absent": {"$regex": "undefined"}}, False),
    ("$regex number field", {"score": {"$regex": "150"}}, False),
    ("$regex array any", {"tags": {"$regex": "^bl"}}, True),
    ("$regex with other op", {"name": {"$regex": "^H", "$ne": "Hello World"}}, False),
    # logical
    ("$or one branch", {"$or": [{"score": 1}, {"name": "Hello World"}]}, True),
    ("$or no branch", {"$or": [{"score": 1}, {"name": "x"}]}, False),
    ("$or empty", {"$or": []}, False),
    ("$and all", {"$and": [{"score": 150}, {"tags": "red"}]}, True),
    ("$and one fails", {"$and": [{"score": 150}, {"tags": "green"}]}, False),
    ("$and empty", {"$and": []}, True),
    ("$nor none", {"$nor": [{"score": 1}, {"name": "x"}]}, True),
    ("$nor one", {"$nor": [{"score": 1}, {"name": "Hello World"}]}, False),
    ("$nor empty", {"$nor": []}, True),
    (
        "nested logic",
        {"$or": [{"$and": [{"score": 150}, {"$nor": [{"tags": "red"}]}]}, {"count": 0}]},
        True,
    ),
    ("logic and field", {"score": 150, "$or": [{"tags": "green"}, {"active": False}]}, False),
    # empty where
    ("empty where", {}, True),
    # createdAt / updatedAt as instants
    (
        "createdAt > Date",
        {"createdAt": {"$gt": {"__type": "Date", "iso": "2024-02-01T00:00:00Z"}}},
        True,
    ),
    (
        "createdAt < Date",
        {"createdAt": {"$lt": {"__type": "Date", "iso": "2024-02-01T00:00:00Z"}}},
        False,
    ),
    ("createdAt > ISO string", {"createdAt": {"$gt": "2024-03-01T11:59:59.999Z"}}, True),
    (
        "createdAt >= same instant other format",
        {"createdAt": {"$gte": "2024-03-01T12:00:00+00:00"}},
        True,
    ),
    (
        "updatedAt <= Date",
        {"updatedAt": {"$lte": {"__type": "Date", "iso": "2024-03-02T12:00:00.000Z"}}},
        True,
    ),
    (
        "createdAt equals Date",
        {"createdAt": {"__type": "Date", "iso": "2024-03-01T12:00:00Z"}},
        True,
    ),
    (
        "createdAt $in Dates",
        {"createdAt": {"$in": [{"__type": "Date", "iso": "2024-03-01T12:00:00Z"}]}},
        True,
    ),
    ("createdAt $ne other", {"createdAt": {"$ne": "2024-03-01T12:00:00.001Z"}}, True),
]


@pytest.mark.parametrize(("where", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_operator(where: dict[str, Any], expected: bool) -> None:
    assert compile_where(where)(OBJ) is expected
    assert matches(OBJ, where) is expected


def test_matcher_is_reusable_across_objects() -> None:
    matcher = compile_where({"score": {"$gt": 100}})
    assert [matcher({"score": s}) for s in (50, 101, 100, 1000)] == [False, True, False, True]
