"""Spherical geometry for the geo operators, computed exactly as the Parse SDK does.

Parse's LiveQuery evaluates ``$nearSphere``/``$centerSphere`` with
``GeoPoint.radiansTo`` (haversine on a unit sphere) and ``$polygon``/
``$geoIntersects`` with ``Polygon.containsPoint`` (a bounding-box test, then
ray casting on raw latitude/longitude, i.e. planar). Reproducing the same
formulas keeps edge cases (points on a vertex, polygons across the
antimeridian) deciding the same way as Parse Server.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Final

__all__ = [
    "EARTH_RADIUS_KM",
    "EARTH_RADIUS_MILES",
    "in_box",
    "polygon_contains",
    "radians_between",
]

# The divisors Parse Server uses for $maxDistanceInKilometers / $maxDistanceInMiles.
EARTH_RADIUS_KM: Final = 6371.0
EARTH_RADIUS_MILES: Final = 3959.0

_D2R: Final = math.pi / 180.0

Point = tuple[float, float]  # (latitude, longitude)


def radians_between(a: Point, b: Point) -> float:
    """Great-circle distance between two points, in radians (haversine)."""
    lat1 = a[0] * _D2R
    lat2 = b[0] * _D2R
    sin_dlat = math.sin((lat1 - lat2) / 2)
    sin_dlng = math.sin((a[1] * _D2R - b[1] * _D2R) / 2)
    h = sin_dlat * sin_dlat + math.cos(lat1) * math.cos(lat2) * sin_dlng * sin_dlng
    return 2 * math.asin(math.sqrt(min(1.0, h)))


def in_box(south_west: Point, north_east: Point, point: Point) -> bool:
    """Strictly inside a ``$box``; a box whose corners are inverted contains nothing.

    Parse treats an inverted box (one crossing the antimeridian) as matching
    nothing rather than wrapping around; so does this.
    """
    if south_west[0] > north_east[0] or south_west[1] > north_east[1]:
        return False
    return south_west[0] < point[0] < north_east[0] and south_west[1] < point[1] < north_east[1]


def polygon_contains(vertices: Sequence[Point], point: Point) -> bool:
    """Whether ``point`` lies inside the polygon with these (latitude, longitude) vertices."""
    lat, lng = point
    min_lat = min(v[0] for v in vertices)
    max_lat = max(v[0] for v in vertices)
    min_lng = min(v[1] for v in vertices)
    max_lng = max(v[1] for v in vertices)
    if lat < min_lat or lat > max_lat or lng < min_lng or lng > max_lng:
        return False
    inside = False
    j = len(vertices) - 1
    for i in range(len(vertices)):
        start_lat, start_lng = vertices[i]
        end_lat, end_lng = vertices[j]
        if (start_lng > lng) != (end_lng > lng) and lat < (
            (end_lat - start_lat) * (lng - start_lng) / (end_lng - start_lng) + start_lat
        ):
            inside = not inside
        j = i
    return inside
