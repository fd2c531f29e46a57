"""Geo operators and the spherical helpers behind them."""

from __future__ import annotations

import math
from typing import Any

import pytest

from livequery_cli.matching import compile_where
from livequery_cli.matching.geo import in_box, polygon_contains, radians_between


def gp(lat: float, lng: float) -> dict[str, Any]:
    return {"__type": "GeoPoint", "latitude": lat, "longitude": lng}


PARIS = gp(48.8566, 2.3522)
LONDON = gp(51.5074, -0.1278)  # ~344 km from Paris
OBJ: dict[str, Any] = {
    "loc": PARIS,
    "score": 10,
    "area": {"__type": "Polygon", "coordinates": [[0, 0], [0, 10], [10, 10], [10, 0]]},
}

CASES: list[tuple[str, dict[str, Any], bool]] = [
    ("near without cap", {"loc": {"$nearSphere": LONDON}}, True),
    ("near in radians", {"loc": {"$nearSphere": LONDON, "$maxDistance": 0.06}}, True),
    ("near too far radians", {"loc": {"$nearSphere": LONDON, "$maxDistance": 0.05}}, False),
    ("near km", {"loc": {"$nearSphere": LONDON, "$maxDistanceInKilometers": 350}}, True),
    ("near km too far", {"loc": {"$nearSphere": LONDON, "$maxDistanceInKilometers": 340}}, False),
    ("near miles", {"loc": {"$nearSphere": LONDON, "$maxDistanceInMiles": 215}}, True),
    ("near miles too far", {"loc": {"$nearSphere": LONDON, "$maxDistanceInMiles": 210}}, False),
    (
        "near radians spelled out",
        {"loc": {"$nearSphere": LONDON, "$maxDistanceInRadians": 0.06}},
        True,
    ),
    ("zero distance is zero", {"loc": {"$nearSphere": LONDON, "$maxDistance": 0}}, False),
    ("zero distance same point", {"loc": {"$nearSphere": PARIS, "$maxDistance": 0}}, True),
    ("near missing field", {"absent": {"$nearSphere": LONDON}}, False),
    ("near non-point field", {"score": {"$nearSphere": LONDON}}, False),
    ("box inside", {"loc": {"$within": {"$box": [gp(40, 0), gp(50, 5)]}}}, True),
    ("box outside", {"loc": {"$within": {"$box": [gp(40, 3), gp(50, 5)]}}}, False),
    ("box edge is outside", {"loc": {"$within": {"$box": [gp(48.8566, 0), gp(50, 5)]}}}, False),
    ("inverted box matches nothing", {"loc": {"$within": {"$box": [gp(50, 5), gp(40, 0)]}}}, False),
    (
        "polygon of geopoints",
        {"loc": {"$geoWithin": {"$polygon": [gp(40, 0), gp(50, 0), gp(50, 5), gp(40, 5)]}}},
        True,
    ),
    (
        "polygon excludes",
        {"loc": {"$geoWithin": {"$polygon": [gp(40, 3), gp(50, 3), gp(50, 5)]}}},
        False,
    ),
    (
        "polygon value",
        {
            "loc": {
                "$geoWithin": {
                    "$polygon": {"__type": "Polygon", "coordinates": [[40, 0], [50, 0], [50, 5]]}
                }
            }
        },
        True,
    ),
    (
        "centerSphere lng/lat",
        {"loc": {"$geoWithin": {"$centerSphere": [[-0.1278, 51.5074], 0.06]}}},
        True,
    ),
    (
        "centerSphere too small",
        {"loc": {"$geoWithin": {"$centerSphere": [[-0.1278, 51.5074], 0.05]}}},
        False,
    ),
    (
        "centerSphere geopoint centre",
        {"loc": {"$geoWithin": {"$centerSphere": [LONDON, 0.06]}}},
        True,
    ),
    ("intersects inside", {"area": {"$geoIntersects": {"$point": gp(5, 5)}}}, True),
    ("intersects outside", {"area": {"$geoIntersects": {"$point": gp(11, 5)}}}, False),
    ("intersects non-polygon", {"loc": {"$geoIntersects": {"$point": gp(5, 5)}}}, False),
    # Parse returned early after a geo operator; here the other operators still apply.
    ("geo then $exists false", {"loc": {"$nearSphere": LONDON, "$exists": False}}, False),
    ("geo then $ne", {"loc": {"$within": {"$box": [gp(40, 0), gp(50, 5)]}, "$ne": PARIS}}, False),
    ("geo and $in", {"loc": {"$geoWithin": {"$centerSphere": [LONDON, 1]}, "$in": [PARIS]}}, True),
]


@pytest.mark.parametrize(("where", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_geo_operator(where: dict[str, Any], expected: bool) -> None:
    assert compile_where(where)(OBJ) is expected


def test_radians_between_matches_known_distance() -> None:
    km = radians_between((48.8566, 2.3522), (51.5074, -0.1278)) * 6371
    assert 340 < km < 345
    assert radians_between((0, 0), (0, 180)) == pytest.approx(math.pi)
    assert radians_between((10, 10), (10, 10)) == 0


def test_polygon_contains_concave_shape() -> None:
    # An L shape: the notch at (7, 7) is outside.
    shape = [(0.0, 0.0), (0.0, 10.0), (5.0, 10.0), (5.0, 5.0), (10.0, 5.0), (10.0, 0.0)]
    assert polygon_contains(shape, (2, 2))
    assert polygon_contains(shape, (7, 2))
    assert not polygon_contains(shape, (7, 7))
    assert not polygon_contains(shape, (-1, 2))


def test_in_box_is_strict() -> None:
    assert in_box((0, 0), (10, 10), (5, 5))
    assert not in_box((0, 0), (10, 10), (0, 5))
    assert not in_box((10, 10), (0, 0), (5, 5))
