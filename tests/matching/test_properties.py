"""Algebraic properties of the matcher over generated objects and queries."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from matching.strategies import FIELD_VALUES, RELAXED, parse_objects, where_clauses

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import compile_where, matches

objects = parse_objects()
wheres = where_clauses()
branch_lists = st.lists(wheres, max_size=4)


@RELAXED
@given(obj=objects, branches=branch_lists)
def test_nor_is_not_or(obj: dict[str, Any], branches: list[dict[str, Any]]) -> None:
    assert matches(obj, {"$nor": branches}) is not matches(obj, {"$or": branches})


@RELAXED
@given(obj=objects, branches=branch_lists)
def test_or_and_and_agree_with_their_branches(
    obj: dict[str, Any], branches: list[dict[str, Any]]
) -> None:
    verdicts = [matches(obj, branch) for branch in branches]
    assert matches(obj, {"$or": branches}) is any(verdicts)
    assert matches(obj, {"$and": branches}) is all(verdicts)


@RELAXED
@given(obj=objects, first=wheres, second=wheres)
def test_top_level_keys_are_a_conjunction(
    obj: dict[str, Any], first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert matches(obj, {"$and": [first, second]}) is (matches(obj, first) and matches(obj, second))


field_names = st.sampled_from([*sorted(FIELD_VALUES), "absent", "meta.level"])
any_value = st.one_of(*FIELD_VALUES.values(), st.none())


@RELAXED
@given(obj=objects, field=field_names, value=any_value)
def test_implicit_equality_is_eq_and_ne_is_its_negation(
    obj: dict[str, Any], field: str, value: Any
) -> None:
    implicit = matches(obj, {field: value})
    assert matches(obj, {field: {"$eq": value}}) is implicit
    assert matches(obj, {field: {"$ne": value}}) is not implicit


@RELAXED
@given(obj=objects, field=field_names, values=st.lists(any_value, max_size=4))
def test_nin_is_not_in_and_in_is_an_or_of_equalities(
    obj: dict[str, Any], field: str, values: list[Any]
) -> None:
    inside = matches(obj, {field: {"$in": values}})
    assert matches(obj, {field: {"$nin": values}}) is not inside
    if not any(isinstance(v, dict) and v.get("__type") == "Pointer" for v in values):
        # (a pointer field also matches a bare objectId in $in, which equality does not)
        assert inside is any(matches(obj, {field: v}) for v in values)


@RELAXED
@given(obj=objects, field=field_names)
def test_exists_true_and_false_are_complements(obj: dict[str, Any], field: str) -> None:
    assert matches(obj, {field: {"$exists": True}}) is not matches(obj, {field: {"$exists": False}})


@RELAXED
@given(obj=objects, where=wheres)
def test_matching_does_not_mutate_and_is_repeatable(
    obj: dict[str, Any], where: dict[str, Any]
) -> None:
    before_obj, before_where = copy.deepcopy(obj), copy.deepcopy(where)
    matcher = compile_where(where)
    first = matcher(obj)
    assert matcher(obj) is first
    assert matches(obj, where) is first
    assert obj == before_obj
    assert where == before_where


json_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(
                [
                    "__type",
                    "iso",
                    "latitude",
                    "longitude",
                    "className",
                    "objectId",
                    "coordinates",
                    "x",
                ]
            ),
            children,
            max_size=4,
        ),
        st.fixed_dictionaries(
            {"__type": st.sampled_from(["Date", "Pointer", "GeoPoint", "Polygon", "File"])},
            optional={
                "iso": children,
                "latitude": children,
                "longitude": children,
                "coordinates": children,
            },
        ),
    ),
    max_leaves=8,
)


operators = st.sampled_from(
    [
        *("$eq", "$ne", "$lt", "$gte", "$in", "$nin", "$all", "$containedBy", "$exists"),
        *("$regex", "$nearSphere", "$within", "$geoWithin", "$geoIntersects", "$maxDistance"),
    ]
)
odd_wheres = st.dictionaries(
    field_names,
    st.one_of(json_values, st.dictionaries(operators, json_values, min_size=1, max_size=2)),
    max_size=3,
)


@settings(RELAXED, max_examples=500)
@given(
    obj=st.dictionaries(field_names, json_values, max_size=5), where=st.one_of(wheres, odd_wheres)
)
def test_never_raises_on_odd_values(obj: dict[str, Any], where: dict[str, Any]) -> None:
    """Whatever a stored object holds, matching answers a bool; bad queries raise QueryError."""
    try:
        matcher = compile_where(where)
    except QueryError:
        return
    assert matcher(obj) in (True, False)
