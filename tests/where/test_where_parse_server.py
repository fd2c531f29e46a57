"""Compiled ``--where`` expressions, evaluated by a real Parse Server 9 LiveQuery.

For each expression, the official JS SDK subscribes with the compiled
``where`` (plus a unique tag), objects that should and should not match are
created through REST, then a last matching "sentinel" object: once its
``create`` event arrives, every earlier event has too, and exactly the
objects expected to match must have produced one.

Fields are prefixed ``wq`` so their types cannot clash with other tests'
fields on the shared class. Every object has the fields an ordering compares:
Parse's matcher lets ``$gt``/``$lt``... match objects without the field (a
Parse defect, not the compiler's business).
"""

from __future__ import annotations

from typing import Any

import pytest
from support.fixtures import ParseServer, SdkTailFactory

from livequery_cli.where import compile_wheres

pytestmark = pytest.mark.parse_server

CLASS = "Doc"


def date(iso: str) -> dict[str, str]:
    return {"__type": "Date", "iso": iso}


def player(object_id: str) -> dict[str, str]:
    return {"__type": "Pointer", "className": "Player", "objectId": object_id}


# (expression, objects that match, objects that do not)
CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = [
    (
        "wqScore gt 10 and wqScore < 20",
        [{"wqScore": 15}, {"wqScore": 19.5}],
        [{"wqScore": 10}, {"wqScore": 25}],
    ),
    (
        "not wqScore > 10",
        [{"wqScore": 5}, {"wqScore": 10}],
        [{"wqScore": 11}],
    ),
    (
        'wqName ~* "^al" and wqName != alfred',
        [{"wqName": "Alice"}, {"wqName": "ALBERT"}],
        [{"wqName": "bob"}, {"wqName": "alfred"}],
    ),
    (
        "not wqName ~ /^a/",
        [{"wqName": "bob"}, {}],
        [{"wqName": "anna"}],
    ),
    (
        "wqTags in [red, blue] or wqScore >= 100",
        [{"wqTags": "red", "wqScore": 1}, {"wqTags": "green", "wqScore": 100}],
        [{"wqTags": "green", "wqScore": 99}],
    ),
    (
        "wqLevel.boss = true and wqLevel.stage > 2",
        [{"wqLevel": {"boss": True, "stage": 3}}],
        [{"wqLevel": {"boss": False, "stage": 3}}, {"wqLevel": {"boss": True, "stage": 1}}],
    ),
    (
        "wqAt > @2026-01-01 and wqAt < @2026-01-01T12:00:00+02:00",
        [{"wqAt": date("2026-01-01T09:59:59.999Z")}],
        [{"wqAt": date("2025-12-31T23:59:59.000Z")}, {"wqAt": date("2026-01-01T10:00:00.000Z")}],
    ),
    (
        "wqPlayer = Player:p1 or wqPlayer in [Player:p2]",
        [{"wqPlayer": player("p1")}, {"wqPlayer": player("p2")}],
        [{"wqPlayer": player("p3")}],
    ),
    (
        "not (wqScore = 1 or wqName = x) and wqFlag missing",
        [{"wqScore": 2, "wqName": "y"}],
        [{"wqScore": 1}, {"wqName": "x"}, {"wqScore": 2, "wqFlag": True}],
    ),
]


@pytest.mark.parametrize(("text", "matching", "other"), CASES, ids=[case[0] for case in CASES])
def test_parse_server_evaluates_compiled_where(
    parse_server: ParseServer,
    sdk_tail: SdkTailFactory,
    unique_tag: str,
    text: str,
    matching: list[dict[str, Any]],
    other: list[dict[str, Any]],
) -> None:
    where = compile_wheres([text, f"wqTag = {unique_tag}"])
    tail = sdk_tail(parse_server, CLASS, where)
    rest = parse_server.rest
    expected = {rest.create(CLASS, {**f, "wqTag": unique_tag})["objectId"] for f in matching}
    for fields in other:
        rest.create(CLASS, {**fields, "wqTag": unique_tag})
    sentinel = rest.create(CLASS, {**matching[0], "wqTag": unique_tag})["objectId"]

    received: set[str] = set()
    while True:
        event = tail.wait_for("event", timeout=15, op="create")
        object_id = event["object"]["objectId"]
        if object_id == sentinel:
            break
        received.add(object_id)
    assert received == expected
