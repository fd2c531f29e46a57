"""Geo operators: ``$nearSphere``, ``$within``, ``$geoWithin``, ``$geoIntersects``.

Operand shapes are checked at compile time; the predicates take the field's
value, which must be a GeoPoint (or, for ``$geoIntersects``, a Polygon).

Differences from Parse's LiveQuery, deliberately:

- ``$maxDistance: 0`` means zero radians (Parse reads ``0 || Infinity`` and
  matches every point); ``$maxDistanceInRadians``, ``$maxDistanceInKilometers``
  and ``$maxDistanceInMiles`` (Parse REST's spellings, converted with Parse
  Server's divisors 6371 and 3959) are understood, where Parse's LiveQuery
  treats them as unknown operators and never matches.
- ``$geoWithin`` accepts a ``Polygon`` value as well as a list of GeoPoints,
  and a ``$centerSphere`` centre given as a GeoPoint as well as
  ``[longitude, latitude]``; malformed operands are refused instead of never
  matching (or, for an empty ``$geoWithin``, matching everything).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Final

from livequery_cli.exceptions import QueryError
from livequery_cli.matching.canonical import as_geopoint
from livequery_cli.matching.equality import ValuePredicate
from livequery_cli.matching.geo import (
    EARTH_RADIUS_KM,
    EARTH_RADIUS_MILES,
    Point,
    in_box,
    polygon_contains,
    radians_between,
)

__all__ = [
    "DISTANCE_OPERATORS",
    "geo_intersects",
    "geo_within",
    "near_sphere",
    "polygon_vertices",
    "within",
]

# Distance caps for $nearSphere, and what divides each into radians.
DISTANCE_OPERATORS: Final[Mapping[str, float]] = {
    "$maxDistance": 1.0,
    "$maxDistanceInRadians": 1.0,
    "$maxDistanceInKilometers": EARTH_RADIUS_KM,
    "$maxDistanceInMiles": EARTH_RADIUS_MILES,
}


def _point(op: str, field: str, value: object) -> Point:
    point = as_geopoint(value)
    if point is None:
        raise QueryError(f"{op} on {field} needs a GeoPoint")
    return point


def _non_negative(op: str, field: str, value: object) -> float:
    if value.__class__ not in (int, float) or not value >= 0:
        raise QueryError(f"{op} on {field} needs a non-negative number")
    return float(value)


def _inside_distance(center: Point, limit: float) -> ValuePredicate:
    def near(value: object) -> bool:
        point = as_geopoint(value)
        return point is not None and radians_between(center, point) <= limit

    return near


def near_sphere(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    """``$nearSphere`` with an optional cap (any one of ``DISTANCE_OPERATORS``)."""
    center = _point(op, field, operand)
    caps = [name for name in DISTANCE_OPERATORS if name in spec]
    if len(caps) > 1:
        raise QueryError(f"$nearSphere on {field} takes one distance cap, got {', '.join(caps)}")
    limit = math.inf
    if caps:
        name = caps[0]
        limit = _non_negative(name, field, spec[name]) / DISTANCE_OPERATORS[name]
    return _inside_distance(center, limit)


def within(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    """``$within: {"$box": [southWest, northEast]}``."""
    box = operand.get("$box") if isinstance(operand, Mapping) else None
    if not isinstance(box, list) or len(box) != 2:
        raise QueryError(f"$within on {field} needs {{$box: [southWest, northEast]}}")
    south_west = _point("$box", field, box[0])
    north_east = _point("$box", field, box[1])

    def inside(value: object) -> bool:
        point = as_geopoint(value)
        return point is not None and in_box(south_west, north_east, point)

    return inside


def polygon_vertices(value: object) -> list[Point] | None:
    """The (latitude, longitude) vertices of a Polygon JSON value, ``None`` if it is not one."""
    if not isinstance(value, Mapping) or value.get("__type") != "Polygon":
        return None
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or len(coordinates) < 3:
        return None
    vertices: list[Point] = []
    for pair in coordinates:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or any(item.__class__ not in (int, float) for item in pair)
        ):
            return None
        vertices.append((float(pair[0]), float(pair[1])))
    return vertices


def _polygon_operand(field: str, operand: object) -> list[Point]:
    vertices = polygon_vertices(operand)
    if vertices is not None:
        return vertices
    if isinstance(operand, list) and len(operand) >= 3:
        return [_point("$polygon", field, item) for item in operand]
    raise QueryError(f"$polygon on {field} needs a Polygon or at least 3 GeoPoints")


def _center_operand(field: str, operand: object) -> tuple[Point, float]:
    if not isinstance(operand, list) or len(operand) != 2:
        raise QueryError(f"$centerSphere on {field} needs [[longitude, latitude], radians]")
    center_value, radius = operand
    center: Point | None = as_geopoint(center_value)
    if (
        center is None
        and isinstance(center_value, list)
        and len(center_value) == 2
        and all(item.__class__ in (int, float) for item in center_value)
    ):
        center = (float(center_value[1]), float(center_value[0]))
    if center is None:
        raise QueryError(f"$centerSphere on {field} needs [[longitude, latitude], radians]")
    return center, _non_negative("$centerSphere", field, radius)


def geo_within(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    """``$geoWithin`` with exactly one of ``$polygon`` or ``$centerSphere``."""
    if (
        not isinstance(operand, Mapping)
        or len(operand) != 1
        or not ("$polygon" in operand or "$centerSphere" in operand)
    ):
        raise QueryError(f"$geoWithin on {field} needs exactly one of $polygon or $centerSphere")
    if "$centerSphere" in operand:
        center, radius = _center_operand(field, operand["$centerSphere"])
        return _inside_distance(center, radius)
    vertices: Sequence[Point] = _polygon_operand(field, operand["$polygon"])

    def inside(value: object) -> bool:
        point = as_geopoint(value)
        return point is not None and polygon_contains(vertices, point)

    return inside


def geo_intersects(
    op: str, field: str, operand: object, spec: Mapping[str, object], time: bool
) -> ValuePredicate:
    """``$geoIntersects: {"$point": GeoPoint}`` on a Polygon field."""
    if not isinstance(operand, Mapping) or "$point" not in operand:
        raise QueryError(f"$geoIntersects on {field} needs {{$point: GeoPoint}}")
    point = _point("$point", field, operand["$point"])

    def intersects(value: object) -> bool:
        vertices = polygon_vertices(value)
        return vertices is not None and polygon_contains(vertices, point)

    return intersects
