"""Where this matcher follows Parse Server's LiveQuery matcher, and where it deliberately does not.

``KEPT``: Parse behaviours reproduced on purpose, as ``(why, where, verdict)``
on ``OBJ`` (the verdict is both Parse's and ours).

``DEVIATIONS``: Parse defects fixed, as ``(why, where, Parse's verdict)`` on
``OBJ``; ours is the opposite. Each is documented in the module that makes it.

``test_parse_semantics`` checks our side; ``test_parse_differential`` checks
both tables against Parse Server's own code.
"""

from __future__ import annotations

from typing import Any

OBJ = {
    "className": "Game",
    "objectId": "g1",
    "createdAt": "2024-03-01T12:00:00.000Z",
    "name": "abc",
    "tags": ["x", "y"],
    "owner": {"__type": "Pointer", "className": "_User", "objectId": "u1"},
    "loc": {"__type": "GeoPoint", "latitude": 1, "longitude": 1},
}
FAR = {"__type": "GeoPoint", "latitude": 50, "longitude": 50}

KEPT: list[tuple[str, dict[str, Any], bool]] = [
    ("scalar against an array means contains", {"tags": "x"}, True),
    (
        "pointer equality by class and id",
        {"owner": {"__type": "Pointer", "className": "_User", "objectId": "u1"}},
        True,
    ),
    (
        "pointer of another class",
        {"owner": {"__type": "Pointer", "className": "Team", "objectId": "u1"}},
        False,
    ),
    ("$in matches a pointer by bare objectId", {"owner": {"$in": ["u1"]}}, True),
    ("$nin excludes a pointer by bare objectId", {"owner": {"$nin": ["u1"]}}, False),
    ("$in with an array field: any element", {"tags": {"$in": ["y", "z"]}}, True),
    ("$or of nothing matches nothing", {"$or": []}, False),
    ("$and of nothing matches everything", {"$and": []}, True),
    ("$nor of nothing matches everything", {"$nor": []}, True),
    ("$all of nothing matches an array", {"tags": {"$all": []}}, True),
    ("$containedBy needs the field", {"absent": {"$containedBy": ["x"]}}, False),
    ("$exists true on a present field", {"name": {"$exists": True}}, True),
    ("$nin on a missing field", {"absent": {"$nin": ["x"]}}, True),
    ("dotted path through a scalar", {"name.x": "abc"}, False),
    ("dotted path into a pointer", {"owner.objectId": "u1"}, True),
    ("$regex searches anywhere", {"name": {"$regex": "b"}}, True),
    ("\\Q..\\E quoting", {"name": {"$regex": "^\\Qab\\E"}}, True),
    (
        "$box edges are outside",
        {
            "loc": {
                "$within": {
                    "$box": [{"latitude": 1, "longitude": 0}, {"latitude": 2, "longitude": 2}]
                }
            }
        },
        False,
    ),
    (
        "inverted $box matches nothing",
        {
            "loc": {
                "$within": {
                    "$box": [{"latitude": 2, "longitude": 2}, {"latitude": 0, "longitude": 0}]
                }
            }
        },
        False,
    ),
]

DEVIATIONS: list[tuple[str, dict[str, Any], bool]] = [
    ("range on a missing field", {"score": {"$gt": 100}}, True),
    (
        "createdAt compared with a Date",
        {"createdAt": {"$gt": {"__type": "Date", "iso": "2030-01-01T00:00:00Z"}}},
        True,
    ),
    ("null equality on a missing field", {"absent": None}, False),
    ("$ne null on a missing field", {"absent": {"$ne": None}}, True),
    ("$ne on an array element", {"tags": {"$ne": "x"}}, True),
    ("$eq on an array element", {"tags": {"$eq": "x"}}, False),
    ("$all substring of a string", {"name": {"$all": ["b"]}}, True),
    ("$regex on a missing field", {"absent": {"$regex": "^undef"}}, True),
    (
        "geo operator ends the field's checks",
        {"loc": {"$nearSphere": OBJ["loc"], "$exists": False}},
        True,
    ),
    ("$maxDistance 0 is unlimited", {"loc": {"$nearSphere": FAR, "$maxDistance": 0}}, True),
    (
        "$maxDistanceInKilometers is unknown",
        {"loc": {"$maxDistanceInKilometers": 1, "$nearSphere": OBJ["loc"]}},
        False,
    ),
    ("array equality", {"tags": ["x", "y"]}, False),
    (
        "$in of Dates",
        {"createdAt": {"$in": [{"__type": "Date", "iso": "2024-03-01T12:00:00Z"}]}},
        False,
    ),
    ("$regex with the x option", {"name": {"$regex": "a b c", "$options": "x"}}, False),
]
