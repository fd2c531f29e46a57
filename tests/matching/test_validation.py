"""Queries LiveQuery cannot evaluate are refused with a one-line reason naming the problem."""

from __future__ import annotations

from typing import Any

import pytest

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import (
    INVALID_QUERY,
    MAX_LOGICAL_DEPTH,
    MAX_NESTING_DEPTH,
    MAX_REGEX_LENGTH,
    compile_where,
    parse_error_code,
    validate_where,
)

GP = {"__type": "GeoPoint", "latitude": 1, "longitude": 2}


def nested_or(levels: int) -> dict[str, Any]:
    where: dict[str, Any] = {"a": 1}
    for _ in range(levels):
        where = {"$or": [where]}
    return where


def nested_value(levels: int) -> dict[str, Any]:
    value: Any = 1
    for _ in range(levels):
        value = {"k": value}
    return {"field": value}


REFUSED: list[tuple[str, Any, str]] = [
    ("$select", {"a": {"$select": {"query": {}, "key": "b"}}}, "$select"),
    ("$dontSelect", {"a": {"$dontSelect": {"query": {}, "key": "b"}}}, "$dontSelect"),
    ("$inQuery", {"a": {"$inQuery": {"where": {}, "className": "B"}}}, "$inQuery"),
    ("$notInQuery", {"a": {"$notInQuery": {"where": {}, "className": "B"}}}, "$notInQuery"),
    ("$relatedTo", {"$relatedTo": {"object": GP, "key": "r"}}, "$relatedTo"),
    ("$text", {"a": {"$text": {"$search": {"$term": "x"}}}}, "$text"),
    ("$elemMatch", {"a": {"$elemMatch": {"b": 1}}}, "$elemMatch"),
    ("$not", {"a": {"$not": {"$eq": 1}}}, "$not"),
    ("$relativeTime", {"a": {"$lt": 1, "$relativeTime": "in 2 days"}}, "$relativeTime"),
    ("unknown field op", {"a": {"$near": GP}}, "$near"),
    ("unknown top-level op", {"$where": "this.a > 1"}, "$where"),
    ("unknown op inside $or", {"$or": [{"a": {"$size": 2}}]}, "$size"),
    ("$or not a list", {"$or": {"a": 1}}, "$or"),
    ("$and not a list", {"$and": "x"}, "$and"),
    ("$nor of non-objects", {"$nor": [1, 2]}, "$nor"),
    ("bad regex", {"a": {"$regex": "(unclosed"}}, "$regex"),
    ("regex not a string", {"a": {"$regex": 5}}, "$regex"),
    ("unsupported $options", {"a": {"$regex": "x", "$options": "g"}}, "$options"),
    ("$options without $regex", {"a": {"$options": "i"}}, "$options"),
    ("long regex", {"a": {"$regex": "a" * (MAX_REGEX_LENGTH + 1)}}, "$regex"),
    ("$in not a list", {"a": {"$in": "x"}}, "$in"),
    ("$nin not a list", {"a": {"$nin": 3}}, "$nin"),
    ("$all not a list", {"a": {"$all": "x"}}, "$all"),
    ("$containedBy not a list", {"a": {"$containedBy": {}}}, "$containedBy"),
    ("$exists not a bool", {"a": {"$exists": "yes"}}, "$exists"),
    ("$gt of null", {"a": {"$gt": None}}, "$gt"),
    ("$lt of array", {"a": {"$lt": [1]}}, "$lt"),
    (
        "$lte of pointer",
        {"a": {"$lte": {"__type": "Pointer", "className": "A", "objectId": "x"}}},
        "$lte",
    ),
    ("$nearSphere not a point", {"a": {"$nearSphere": [1, 2]}}, "$nearSphere"),
    ("negative distance", {"a": {"$nearSphere": GP, "$maxDistance": -1}}, "$maxDistance"),
    (
        "two distance caps",
        {"a": {"$nearSphere": GP, "$maxDistance": 1, "$maxDistanceInMiles": 1}},
        "$nearSphere",
    ),
    ("$maxDistance alone", {"a": {"$maxDistance": 1}}, "$maxDistance"),
    ("$within without $box", {"a": {"$within": {"$polygon": [GP, GP, GP]}}}, "$within"),
    ("$box of one corner", {"a": {"$within": {"$box": [GP]}}}, "$within"),
    ("$geoWithin empty", {"a": {"$geoWithin": {}}}, "$geoWithin"),
    ("$polygon of two points", {"a": {"$geoWithin": {"$polygon": [GP, GP]}}}, "$polygon"),
    (
        "$polygon of arrays",
        {"a": {"$geoWithin": {"$polygon": [[1, 2], [3, 4], [5, 6]]}}},
        "$polygon",
    ),
    ("$centerSphere malformed", {"a": {"$geoWithin": {"$centerSphere": [GP]}}}, "$centerSphere"),
    (
        "$geoIntersects without $point",
        {"a": {"$geoIntersects": {"$polygon": []}}},
        "$geoIntersects",
    ),
    ("mixed operators and keys", {"a": {"$gt": 1, "b": 2}}, "mixes"),
    ("empty path segment", {"a..b": 1}, "empty segment"),
    ("too deep logic", nested_or(MAX_LOGICAL_DEPTH + 1), "nested"),
    ("too deep JSON", nested_value(MAX_NESTING_DEPTH + 1), "nested"),
    ("where not an object", ["a"], "JSON object"),
]


@pytest.mark.parametrize(("where", "named"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refused_with_one_line_reason(where: Any, named: str) -> None:
    with pytest.raises(QueryError) as info:
        validate_where(where)
    message = str(info.value)
    assert named in message
    assert "\n" not in message
    assert parse_error_code(info.value) == INVALID_QUERY == 102


ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("deepest allowed logic", nested_or(MAX_LOGICAL_DEPTH)),
    ("deep plain values", nested_value(MAX_NESTING_DEPTH - 2)),
    (
        "every operator",
        {"a": {"$gt": 1, "$lt": 9, "$ne": 5, "$in": [2, 3], "$nin": [4], "$exists": True}},
    ),
    ("regex with options", {"a": {"$regex": "^x", "$options": "imxs"}}),
    ("$eq of an operator-looking object", {"a": {"$eq": {"$gt": 1}}}),
    ("typed equality", {"a": {"__type": "Bytes", "base64": "AA=="}}),
    ("empty sub-object equality", {"a": {}}),
]


@pytest.mark.parametrize("where", [c[1] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_accepted(where: dict[str, Any]) -> None:
    validate_where(where)


def test_validate_and_compile_agree() -> None:
    for _, where, _ in REFUSED:
        with pytest.raises(QueryError):
            compile_where(where)


def test_client_supplied_names_cannot_break_the_one_line_message() -> None:
    for where in ({"a\nb": {"$gt": None}}, {"a": {"$bad\nop": 1}}, {"x" * 500: {"$in": 1}}):
        with pytest.raises(QueryError) as info:
            validate_where(where)
        assert "\n" not in str(info.value)
        assert len(str(info.value)) < 200
