"""``Query`` builds the ``where`` JSON the Parse JS SDK builds.

Expected values are those of the SDK's own unit tests
(parse-community/Parse-SDK-JS, ``src/__tests__/ParseQuery-test.js``) and of
its source (``src/ParseQuery.ts``: ``_addCondition``, ``quote``,
``withinRadians``; ``src/encode.ts``; ``src/ParseGeoPoint.ts``), cited per test.
tests/client/test_sdk_parity.py checks the same against the SDK run in node.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from livequery_cli.client.query import GeoPoint, Pointer, Query


def exact(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def where_of(query: Query) -> str:
    return exact(query.where)


# -- comparisons (ParseQuery-test.js "can generate equality/inequality/... queries") ----------


def test_equal_to_overrides_the_previous_constraint() -> None:
    q = Query("Item").equal_to("size", "medium")
    assert where_of(q) == exact({"size": "medium"})
    q.equal_to("size", "small")
    assert where_of(q) == exact({"size": "small"})
    q.greater_than("size", 1).equal_to("size", "x")
    assert where_of(q) == exact({"size": "x"})


@pytest.mark.parametrize(
    ("method", "operator"),
    [
        ("not_equal_to", "$ne"),
        ("less_than", "$lt"),
        ("less_than_or_equal_to", "$lte"),
        ("greater_than", "$gt"),
        ("greater_than_or_equal_to", "$gte"),
    ],
)
def test_comparison_operators_and_repeats_replace_the_value(method: str, operator: str) -> None:
    q = Query("Item")
    getattr(q, method)("inStock", 10)
    assert where_of(q) == exact({"inStock": {operator: 10}})
    getattr(q, method)("inStock", 4)
    assert where_of(q) == exact({"inStock": {operator: 4}})


@pytest.mark.parametrize(
    ("method", "operator"),
    [
        ("contained_in", "$in"),
        ("not_contained_in", "$nin"),
        ("contains_all", "$all"),
        ("contained_by", "$containedBy"),
    ],
)
def test_list_operators(method: str, operator: str) -> None:
    q = getattr(Query("Item"), method)("size", ("small", "medium"))
    assert where_of(q) == exact({"size": {operator: ["small", "medium"]}})


def test_list_operators_refuse_a_bare_string() -> None:
    with pytest.raises(TypeError):
        Query("Item").contained_in("size", "small")


def test_exists_and_does_not_exist() -> None:
    assert where_of(Query("Item").exists("name")) == exact({"name": {"$exists": True}})
    assert where_of(Query("Item").does_not_exist("name")) == exact({"name": {"$exists": False}})


def test_multiple_clauses_on_one_key_merge() -> None:
    """ParseQuery-test.js "can combine multiple clauses"."""
    q = Query("Item").less_than("inStock", 10).greater_than("inStock", 0)
    assert where_of(q) == exact({"inStock": {"$lt": 10, "$gt": 0}})
    q.contained_in("size", ["small", "medium"])
    assert where_of(q) == exact(
        {"inStock": {"$lt": 10, "$gt": 0}, "size": {"$in": ["small", "medium"]}}
    )


def test_an_operator_after_an_equality_replaces_it() -> None:
    """``_addCondition``: a key holding a plain value starts a fresh operator object."""
    q = Query("Item").equal_to("size", "medium").not_equal_to("size", "small")
    assert where_of(q) == exact({"size": {"$ne": "small"}})
    q = Query("Item").equal_to("owner", Pointer("_User", "u1")).exists("owner")
    assert where_of(q) == exact({"owner": {"$exists": True}})


# -- strings (ParseQuery-test.js "can generate RegExp / string-contains / starts-with ...") --


def test_matches() -> None:
    assert where_of(Query("Item").matches("name", "ing$")) == exact({"name": {"$regex": "ing$"}})
    assert where_of(Query("Item").matches("name", r"\bor\b", "i")) == exact(
        {"name": {"$regex": "\\bor\\b", "$options": "i"}}
    )


def test_matches_a_compiled_pattern_maps_its_flags() -> None:
    """JS ``/\\bor\\b/im`` gives ``$options: "im"``; Python's re.I/re.M/re.S map the same way."""
    q = Query("Item").matches("name", re.compile(r"\bor\b", re.IGNORECASE | re.MULTILINE))
    assert where_of(q) == exact({"name": {"$regex": "\\bor\\b", "$options": "im"}})
    q = Query("Item").matches("name", re.compile("a.b", re.DOTALL), "i")
    assert where_of(q) == exact({"name": {"$regex": "a.b", "$options": "is"}})
    assert where_of(Query("Item").matches("name", re.compile("x"))) == exact(
        {"name": {"$regex": "x"}}
    )


def test_matches_refuses_flags_javascript_lacks() -> None:
    with pytest.raises(ValueError, match="no JavaScript equivalent"):
        Query("Item").matches("name", re.compile("x", re.VERBOSE))


def test_contains_quotes_the_text() -> None:
    assert where_of(Query("Item").contains("name", " or ")) == exact(
        {"name": {"$regex": "\\Q or \\E"}}
    )
    # The SDK test "Test escaping in quote()": a \E inside the text is closed and reopened.
    assert where_of(Query("Item").contains("name", "slash-E \\E")) == exact(
        {"name": {"$regex": "\\Qslash-E \\E\\\\E\\Q\\E"}}
    )
    assert where_of(Query("Item").contains("name", "slash-Q \\Q")) == exact(
        {"name": {"$regex": "\\Qslash-Q \\Q\\E"}}
    )


def test_quote_escapes_every_backslash_e() -> None:
    """The SDK's ``String.replace`` escapes only the first ``\\E``; every one needs it."""
    assert Query("Item").contains("n", "\\E\\E").where == {
        "n": {"$regex": "\\Q\\E\\\\E\\Q\\E\\\\E\\Q\\E"}
    }


def test_starts_with_and_ends_with() -> None:
    assert where_of(Query("Item").starts_with("name", "Abc")) == exact(
        {"name": {"$regex": "^\\QAbc\\E"}}
    )
    assert where_of(Query("Item").ends_with("name", "XYZ")) == exact(
        {"name": {"$regex": "\\QXYZ\\E$"}}
    )
    assert where_of(Query("Item").starts_with("name", "a.b", "i")) == exact(
        {"name": {"$regex": "^\\Qa.b\\E", "$options": "i"}}
    )


def test_string_operators_refuse_non_strings() -> None:
    """SDK: 'The value being searched for must be a string.'"""
    with pytest.raises(TypeError, match="must be a string"):
        Query("Item").starts_with("name", 12)  # type: ignore[arg-type]


def test_contains_all_starting_with() -> None:
    q = Query("Item").contains_all_starting_with("tags", ["ho", "out"])
    assert where_of(q) == exact(
        {"tags": {"$all": [{"$regex": "^\\Qho\\E"}, {"$regex": "^\\Qout\\E"}]}}
    )


# -- geo (ParseQuery-test.js "can generate near-geopoint / geobox queries") ------------------


def geo(lat: float, lng: float) -> dict[str, Any]:
    return {"__type": "GeoPoint", "latitude": lat, "longitude": lng}


def test_near() -> None:
    assert where_of(Query("Shipment").near("shippedTo", GeoPoint(10, 20))) == exact(
        {"shippedTo": {"$nearSphere": geo(10, 20)}}
    )
    assert where_of(Query("Shipment").near("shippedTo", [30, 40])) == exact(
        {"shippedTo": {"$nearSphere": geo(30, 40)}}
    )


def test_within_distance_sorted() -> None:
    q = Query("Shipment").within_radians("shippedTo", [20, 40], 2)
    assert q.where == {"shippedTo": {"$nearSphere": geo(20, 40), "$maxDistance": 2}}
    q = Query("Shipment").within_miles("shippedTo", [20, 30], 3958.8)
    assert q.where == {"shippedTo": {"$nearSphere": geo(20, 30), "$maxDistance": 1}}
    q = Query("Shipment").within_kilometers("shippedTo", (30, 30), 6371.0)
    assert q.where == {"shippedTo": {"$nearSphere": geo(30, 30), "$maxDistance": 1}}


def test_within_distance_unsorted_uses_center_sphere_lng_lat() -> None:
    q = Query("Shipment").within_radians("shippedTo", GeoPoint(20, 40), 2, sorted=False)
    assert q.where == {"shippedTo": {"$geoWithin": {"$centerSphere": [[40, 20], 2]}}}
    q = Query("Shipment").within_miles("shippedTo", GeoPoint(20, 30), 3958.8, False)
    assert q.where == {"shippedTo": {"$geoWithin": {"$centerSphere": [[30, 20], 1]}}}
    q = Query("Shipment").within_kilometers("shippedTo", GeoPoint(30, 30), 6371.0, False)
    assert q.where == {"shippedTo": {"$geoWithin": {"$centerSphere": [[30, 30], 1]}}}


def test_within_geo_box() -> None:
    q = Query("Shipment").within_geo_box("shippedTo", [20, 20], [10, 30])
    assert where_of(q) == exact({"shippedTo": {"$within": {"$box": [geo(20, 20), geo(10, 30)]}}})


def test_within_polygon_sends_geopoints() -> None:
    q = Query("Place").within_polygon(
        "location", [GeoPoint(0, 0), (0, 1), {"latitude": 1, "longitude": 1}]
    )
    assert where_of(q) == exact(
        {"location": {"$geoWithin": {"$polygon": [geo(0, 0), geo(0, 1), geo(1, 1)]}}}
    )
    with pytest.raises(ValueError, match="at least 3"):
        Query("Place").within_polygon("location", [(0, 0), (1, 1)])


def test_polygon_contains() -> None:
    q = Query("Place").polygon_contains("bounds", GeoPoint(0.5, 0.5))
    assert where_of(q) == exact({"bounds": {"$geoIntersects": {"$point": geo(0.5, 0.5)}}})


@pytest.mark.parametrize(
    ("lat", "lng", "message"),
    [
        (91, 0, "GeoPoint latitude out of bounds: 91 > 90.0."),
        (-91, 0, "GeoPoint latitude out of bounds: -91 < -90.0."),
        (0, 181, "GeoPoint longitude out of bounds: 181 > 180.0."),
        (0, -181, "GeoPoint longitude out of bounds: -181 < -180.0."),
        (float("nan"), 0, "GeoPoint latitude and longitude must be valid numbers"),
        ("1", 0, "GeoPoint latitude and longitude must be valid numbers"),
    ],
)
def test_geopoint_validation_matches_the_sdk(lat: Any, lng: Any, message: str) -> None:
    with pytest.raises(ValueError, match="GeoPoint") as info:
        GeoPoint(lat, lng)
    assert str(info.value) == message


# -- values (encode.ts) ------------------------------------------------------------------------


def test_dates_encode_like_javascript_date_to_json() -> None:
    q = Query("Game").greater_than("createdAt", datetime(2026, 1, 1, tzinfo=UTC))
    assert q.where == {"createdAt": {"$gt": {"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"}}}
    plus2 = timezone(timedelta(hours=2))
    q = Query("Game").less_than("at", datetime(2026, 1, 1, 2, 0, 0, 123987, tzinfo=plus2))
    assert q.where == {"at": {"$lt": {"__type": "Date", "iso": "2026-01-01T00:00:00.123Z"}}}
    q = Query("Game").equal_to("day", date(2026, 5, 17))
    assert q.where == {"day": {"__type": "Date", "iso": "2026-05-17T00:00:00.000Z"}}


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        Query("Game").greater_than("createdAt", datetime(2026, 1, 1))


def test_pointers() -> None:
    expected = {"__type": "Pointer", "className": "Player", "objectId": "xWMyZ4YEGZ"}
    assert Query("Game").equal_to("player", Pointer("Player", "xWMyZ4YEGZ")).where == {
        "player": expected
    }
    assert Query("Game").equal_to("player", dict(expected)).where == {"player": expected}
    assert Query("Game").contained_in("player", [Pointer("Player", "xWMyZ4YEGZ")]).where == {
        "player": {"$in": [expected]}
    }
    with pytest.raises(ValueError, match="invalid class name"):
        Pointer("1bad", "x")
    with pytest.raises(ValueError, match="invalid objectId"):
        Pointer("Player", "")


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), object(), {1: "x"}])
def test_values_json_cannot_carry_are_refused(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)):
        Query("Game").equal_to("x", bad)


# -- compound (ParseQuery-test.js "can combine queries with an OR/AND clause") -----------------


@pytest.mark.parametrize(
    ("combine", "operator"), [("or_", "$or"), ("and_", "$and"), ("nor", "$nor")]
)
def test_compound_queries(combine: str, operator: str) -> None:
    q1 = Query("Item").equal_to("size", "medium")
    q2 = Query("Item").equal_to("size", "large")
    combined = getattr(Query, combine)(q1, q2)
    assert combined.class_name == "Item"
    assert where_of(combined) == exact({operator: [{"size": "medium"}, {"size": "large"}]})
    q1.equal_to("size", "changed")
    assert combined.where[operator][0] == {"size": "medium"}


@pytest.mark.parametrize("combine", ["or_", "and_", "nor"])
def test_compound_queries_need_one_class(combine: str) -> None:
    with pytest.raises(ValueError, match=r"^All queries must be for the same class\.$"):
        getattr(Query, combine)(Query("Item"), Query("Purchase"))
    with pytest.raises(ValueError, match="at least one query"):
        getattr(Query, combine)()


def test_compound_query_combines_with_more_constraints() -> None:
    q = Query.or_(Query("Game").greater_than("score", 100), Query("Game").equal_to("boss", True))
    q.equal_to("level", 3)
    assert q.where == {"$or": [{"score": {"$gt": 100}}, {"boss": True}], "level": 3}


# -- select / watch / subscribe query --------------------------------------------------------


def test_select_accumulates_like_the_sdk() -> None:
    """ParseQuery-test.js "can specify certain fields to send back"."""
    q = Query("Item").select("size")
    assert q.keys == ["size"]
    q.select("inStock", "lastPurchase")
    q.select(["weight", "color"])
    assert q.keys == ["size", "inStock", "lastPurchase", "weight", "color"]


def test_watch_accumulates() -> None:
    q = Query("Item").watch("score").watch(["level", "name"])
    assert q.watch_fields == ["score", "level", "name"]


def test_to_subscribe_query() -> None:
    q = Query("Game").greater_than("score", 100)
    assert q.to_subscribe_query() == {"className": "Game", "where": {"score": {"$gt": 100}}}
    q.select("score").watch("score")
    assert q.to_subscribe_query() == {
        "className": "Game",
        "where": {"score": {"$gt": 100}},
        "keys": ["score"],
        "watch": ["score"],
    }
    sent = q.to_subscribe_query()
    sent["where"]["score"]["$gt"] = 0
    assert q.where == {"score": {"$gt": 100}}


def test_empty_keys_and_watch_are_left_out() -> None:
    q = Query("Game").select().watch()
    assert q.to_subscribe_query() == {"className": "Game", "where": {}}


def test_from_where_copies() -> None:
    where = {"score": {"$gt": 1}}
    q = Query.from_where("Game", where, keys=["a"], watch=("b",))
    where["score"]["$gt"] = 2
    assert q.where == {"score": {"$gt": 1}}
    assert (q.class_name, q.keys, q.watch_fields) == ("Game", ["a"], ["b"])
    assert Query.from_where("Game", {}).keys is None
    with pytest.raises(TypeError):
        Query.from_where("Game", [])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Query.from_where("Game", {}, keys="abc")


def test_from_where_with_compiled_where_text() -> None:
    from livequery_cli.where import compile_wheres

    q = Query.from_where("Game", compile_wheres(["score > 1", "score < 9"]))
    assert q == Query("Game").greater_than("score", 1).less_than("score", 9)


def test_methods_chain_and_return_the_same_query() -> None:
    q = Query("Game")
    assert q.equal_to("a", 1).exists("b").select("a").watch("b") is q


def test_repr_and_bad_names() -> None:
    q = Query("Game").equal_to("a", 1).select("a")
    assert repr(q) == "Query('Game', where={'a': 1}, keys=['a'])"
    with pytest.raises(TypeError):
        Query("")
    with pytest.raises(TypeError):
        Query("Game").equal_to("", 1)


async def test_subscribe_delegates_to_the_standard_api(monkeypatch: pytest.MonkeyPatch) -> None:
    from livequery_cli.client import standard

    calls: list[tuple[Any, dict[str, Any]]] = []

    async def fake_subscribe(query: Any, **kwargs: Any) -> str:
        calls.append((query, kwargs))
        return "subscription"

    monkeypatch.setattr(standard, "subscribe", fake_subscribe)
    q = Query("Game")
    assert await q.subscribe("r:token", timeout=3) == "subscription"
    assert calls == [(q, {"session_token": "r:token", "timeout": 3})]
