"""Hypothesis strategies for Parse objects and ``where`` clauses over a small value domain.

Values come from tiny pools so that generated queries actually hit generated
objects. ``complete=True`` generates objects that carry every field and
queries within the subset where this matcher and Parse Server's LiveQuery
matcher are meant to agree (no missing fields under range operators, no
``null``, no ``$ne``/``$eq`` on arrays, no ``createdAt``, no geo operator
mixed with others): the differential test against Parse's own code uses it.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

Json = Any

# Generation and matching share two cores with the rest of the suite: no per-example deadline.
RELAXED = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = ["a", "b", "ab", "B", "abc"]
TAGS = ["a", "b", "c"]
USER_IDS = ["u1", "u2", "u3"]
ISOS = [
    "2024-01-01T00:00:00.000Z",
    "2024-01-02T00:00:00.000Z",
    "2024-06-01T12:30:00.000Z",
]


def pointer(object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": "_User", "objectId": object_id}


def date(iso: str) -> dict[str, str]:
    return {"__type": "Date", "iso": iso}


def geopoint(lat: float, lng: float) -> dict[str, Any]:
    return {"__type": "GeoPoint", "latitude": lat, "longitude": lng}


scores = st.integers(-3, 3)
names = st.sampled_from(NAMES)
tag_lists = st.lists(st.sampled_from(TAGS), max_size=3)
user_ids = st.sampled_from(USER_IDS)
pointers = user_ids.map(pointer)
dates = st.sampled_from(ISOS).map(date)
coordinates = st.integers(-4, 4).map(float)
geopoints = st.builds(geopoint, coordinates, coordinates)

FIELD_VALUES: dict[str, st.SearchStrategy[Json]] = {
    "score": scores,
    "name": names,
    "tags": tag_lists,
    "flag": st.booleans(),
    "owner": pointers,
    "meta": st.fixed_dictionaries({"level": st.integers(0, 2)}),
    "when": dates,
    "loc": geopoints,
}


@st.composite
def parse_objects(draw: st.DrawFn, *, complete: bool = False) -> dict[str, Json]:
    obj: dict[str, Json] = {
        "className": "Game",
        "objectId": draw(st.sampled_from(["o1", "o2", "o3"])),
        "createdAt": draw(st.sampled_from(ISOS)),
        "updatedAt": draw(st.sampled_from(ISOS)),
    }
    for name, values in FIELD_VALUES.items():
        if complete or draw(st.booleans()):
            obj[name] = draw(values)
    if complete and draw(st.booleans()):
        obj["extra"] = draw(scores)
    if not complete and draw(st.booleans()):
        obj["nothing"] = None
    return obj


def _ranges(values: st.SearchStrategy[Json]) -> st.SearchStrategy[Json]:
    ops = st.sampled_from(["$lt", "$lte", "$gt", "$gte"])
    return st.dictionaries(ops, values, min_size=1, max_size=2)


def _membership(values: st.SearchStrategy[Json]) -> st.SearchStrategy[Json]:
    return st.builds(
        lambda op, items: {op: items},
        st.sampled_from(["$in", "$nin"]),
        st.lists(values, max_size=3),
    )


def _constraints(complete: bool) -> dict[str, st.SearchStrategy[Json]]:
    box = st.builds(
        lambda lat, lng, size: {
            "$within": {"$box": [geopoint(lat, lng), geopoint(lat + size, lng + size)]}
        },
        coordinates,
        coordinates,
        st.integers(1, 6),
    )
    near = st.builds(
        lambda point, cap: {"$nearSphere": point, "$maxDistance": cap},
        geopoints,
        st.sampled_from([0.01, 0.05, 0.1]),
    )
    circle = st.builds(
        lambda lat, lng, cap: {"$geoWithin": {"$centerSphere": [[lng, lat], cap]}},
        coordinates,
        coordinates,
        st.sampled_from([0.01, 0.05, 0.1]),
    )
    regex = st.builds(
        lambda pattern, options: {"$regex": pattern, "$options": options},
        st.sampled_from(["^a", "b$", "A", "^\\Qab\\E", "a|c"]),
        st.sampled_from(["", "i"]),
    )
    strategies: dict[str, st.SearchStrategy[Json]] = {
        "score": st.one_of(
            scores, _ranges(scores), _membership(scores), st.builds(lambda v: {"$ne": v}, scores)
        ),
        "name": st.one_of(
            names, _ranges(names), _membership(names), regex, st.builds(lambda v: {"$eq": v}, names)
        ),
        "tags": st.one_of(
            st.sampled_from(TAGS),
            _membership(st.sampled_from(TAGS)),
            st.builds(lambda v: {"$all": v}, st.lists(st.sampled_from(TAGS), max_size=2)),
            st.builds(lambda v: {"$containedBy": v}, st.lists(st.sampled_from(TAGS), max_size=3)),
        ),
        "flag": st.one_of(st.booleans(), _membership(st.booleans())),
        "owner": st.one_of(pointers, _membership(st.one_of(pointers, user_ids))),
        "meta.level": st.one_of(st.integers(0, 2), _ranges(st.integers(0, 2))),
        "when": st.one_of(dates, _ranges(dates)),
        "loc": st.one_of(box, near, circle),
        "extra": st.builds(lambda flag: {"$exists": flag}, st.booleans()),
    }
    if not complete:
        strategies["nothing"] = st.one_of(st.none(), st.builds(lambda v: {"$ne": v}, st.none()))
        strategies["createdAt"] = _ranges(st.one_of(st.sampled_from(ISOS), dates))
        strategies["score"] = st.one_of(
            strategies["score"], st.none(), st.builds(lambda v: {"$in": [v, None]}, scores)
        )
        strategies["tags"] = st.one_of(
            strategies["tags"], st.builds(lambda v: {"$ne": v}, st.sampled_from(TAGS))
        )
        strategies["objectId"] = st.one_of(
            st.sampled_from(["o1", "o2"]), _membership(st.sampled_from(["o1", "o2"]))
        )
    return strategies


def _field_queries(complete: bool) -> st.SearchStrategy[dict[str, Json]]:
    per_field = _constraints(complete)
    fields = st.lists(st.sampled_from(sorted(per_field)), min_size=0, max_size=3, unique=True)
    return fields.flatmap(
        lambda chosen: st.fixed_dictionaries({name: per_field[name] for name in chosen})
    )


def where_clauses(*, complete: bool = False) -> st.SearchStrategy[dict[str, Json]]:
    """``where`` objects: field constraints, nested under ``$or``/``$and``/``$nor``."""

    def extend(children: st.SearchStrategy[dict[str, Json]]) -> st.SearchStrategy[dict[str, Json]]:
        logical = st.builds(
            lambda op, branches, rest: {**rest, op: branches},
            st.sampled_from(["$or", "$and", "$nor"]),
            st.lists(children, min_size=1, max_size=3),
            _field_queries(complete),
        )
        return logical

    return st.recursive(_field_queries(complete), extend, max_leaves=6)
