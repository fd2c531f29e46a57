"""A REST body nested too deeply to be answered later is refused (107), never stored.

Before the bound, ``{"b": [[[...]]]}`` 252 levels deep was stored, and every
``find`` that returned it answered 500: the answer nests two levels more than
the object, past what the JSON encoder accepts.
"""

from __future__ import annotations

from typing import Any

from support.lq_harness import Harness

from livequery_cli.server.documents import MAX_VALUE_NESTING
from livequery_cli.server.rest_request import MAX_BODY_NESTING


def _nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


async def test_a_body_nested_past_the_bound_is_107(harness: Harness) -> None:
    status, answer = await harness.rest.raw("POST", "classes/Deep", {"b": _nested(252)})
    assert (status, answer["code"]) == (400, 107)
    assert "\\n" not in answer["error"]
    status, answer = await harness.rest.raw(
        "POST", "batch", {"requests": [{"method": "POST", "path": "/classes/Deep",
                                        "body": {"b": _nested(MAX_BODY_NESTING)}}]}
    )  # fmt: skip
    assert (status, answer["code"]) == (400, 107)


async def test_a_body_within_the_bound_is_stored_and_read_back(harness: Harness) -> None:
    deepest = _nested(MAX_VALUE_NESTING)
    status, made = await harness.rest.raw("POST", "classes/Deep", {"b": deepest})
    assert status == 201, made
    where = {"objectId": made["objectId"]}
    status, found = await harness.rest.raw("GET", "classes/Deep", params={"where": where})
    assert status == 200
    assert found["results"][0]["b"] == deepest
