"""``Query`` output evaluated by a real Parse Server 9 LiveQuery (geo and quoted strings).

The official JS SDK subscribes with ``query.where`` (plus a unique tag); objects
that should and should not match are created through REST, then a matching
sentinel: when its ``create`` arrives, exactly the expected objects must have
produced events before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from support.fixtures import ParseServer, SdkTailFactory

from livequery_cli.client.query import GeoPoint, Query

pytestmark = pytest.mark.parse_server


def point(lat: float, lng: float) -> dict[str, Any]:
    return {"__type": "GeoPoint", "latitude": lat, "longitude": lng}


Build = Callable[[Query], Query]

# (name, class, how to constrain the query, objects that match, objects that do not)
CASES: list[tuple[str, str, Build, list[dict[str, Any]], list[dict[str, Any]]]] = [
    (
        "within_polygon",
        "Place",
        lambda q: q.within_polygon("location", [(0, 0), (0, 10), (10, 10), (10, 0)]),
        [{"location": point(5, 5)}],
        [{"location": point(20, 20)}],
    ),
    (
        "within_kilometers-unsorted",
        "Place",
        lambda q: q.within_kilometers("location", GeoPoint(0, 0), 500, sorted=False),
        [{"location": point(1, 1)}],
        [{"location": point(10, 10)}],
    ),
    (
        "within_kilometers-sorted",
        "Place",
        lambda q: q.within_kilometers("location", (0, 0), 500),
        [{"location": point(1, 1)}],
        [{"location": point(10, 10)}],
    ),
    (
        "within_geo_box",
        "Place",
        lambda q: q.within_geo_box("location", (0, 0), (10, 10)),
        [{"location": point(5, 5)}],
        [{"location": point(20, 5)}],
    ),
    (
        "starts_with-quotes-metacharacters",
        "Doc",
        lambda q: q.starts_with("wqName", "a.b*"),
        [{"wqName": "a.b*c"}],
        [{"wqName": "axbbc"}, {"wqName": "za.b*"}],
    ),
    (
        "ends_with-and-contains",
        "Doc",
        # Two \E in the text: the SDK's quote() would escape only the first.
        lambda q: q.ends_with("wqName", "(x)").contains("wqNote", "\\E?\\E"),
        [{"wqName": "a(x)", "wqNote": "1\\E?\\E2"}],
        [{"wqName": "ax", "wqNote": "1\\E?\\E2"}, {"wqName": "a(x)", "wqNote": "1\\E\\E2"}],
    ),
    (
        "matches-compiled-pattern",
        "Doc",
        lambda q: q.matches("wqName", re.compile(r"^al\w+$", re.IGNORECASE)),
        [{"wqName": "Alice"}],
        [{"wqName": "al"}, {"wqName": "bob"}],
    ),
]


@pytest.mark.parametrize(
    ("name", "class_name", "build", "matching", "other"), CASES, ids=[c[0] for c in CASES]
)
def test_parse_server_evaluates_query(
    parse_server: ParseServer,
    sdk_tail: SdkTailFactory,
    unique_tag: str,
    name: str,
    class_name: str,
    build: Build,
    matching: list[dict[str, Any]],
    other: list[dict[str, Any]],
) -> None:
    query = build(Query(class_name)).equal_to("wqTag", unique_tag)
    tail = sdk_tail(parse_server, class_name, query.where)
    rest = parse_server.rest
    tagged = [{**fields, "wqTag": unique_tag} for fields in matching]
    expected = {rest.create(class_name, fields)["objectId"] for fields in tagged}
    for fields in other:
        rest.create(class_name, {**fields, "wqTag": unique_tag})
    sentinel = rest.create(class_name, tagged[0])["objectId"]

    received: set[str] = set()
    while True:
        event = tail.wait_for("event", timeout=15, op="create")
        if event["object"]["objectId"] == sentinel:
            break
        received.add(event["object"]["objectId"])
    assert received == expected
