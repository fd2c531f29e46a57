"""Class, field and role names with a trailing newline are refused (``lq serve``).

Python's ``$`` also matches just before a final ``\\n``, so a pattern
``^[A-Za-z]\\w*$`` checked with ``re.match`` accepts ``"Game\\n"``. Names
reach the server through paths (a batch sub-request path is not filtered by
the HTTP router), JSON keys and schema bodies; each route must refuse them.
Field names are also checked against Parse Server 9, which refuses them with
the same code (105); Parse does not validate role names on the REST path at
all, so that refusal is ``lq serve``'s own (docs/serve.md).
"""

from __future__ import annotations

from typing import Any

import pytest
from support.lq_harness import Harness
from support.rest_writer import ParseRestError

from livequery_cli.parse.errors import ErrorCode

NAMES_WITH_NEWLINE = ["Game\n", "Game\r\n", "_User\n"]


@pytest.mark.parametrize("name", NAMES_WITH_NEWLINE)
async def test_class_name_with_trailing_newline_is_refused(harness: Harness, name: str) -> None:
    answer = await harness.rest(
        "POST",
        "batch",
        {"requests": [{"method": "POST", "path": f"/classes/{name}", "body": {"a": 1}}]},
        master=True,
    )
    assert answer[0]["error"]["code"] == ErrorCode.INVALID_CLASS_NAME
    answer = await harness.rest(
        "POST",
        "batch",
        {"requests": [{"method": "PUT", "path": f"/schemas/{name}", "body": {}}]},
        master=True,
    )
    assert answer[0]["error"]["code"] == ErrorCode.INVALID_CLASS_NAME
    schemas = await harness.rest("GET", "schemas", master=True)
    assert all("\n" not in s["className"] for s in schemas["results"])


async def test_schema_field_name_with_trailing_newline_is_refused(harness: Harness) -> None:
    status, body = await harness.rest.raw(
        "POST", "schemas/Game", {"fields": {"score\n": {"type": "Number"}}}, master=True
    )
    assert (status, body["code"]) == (400, ErrorCode.INVALID_KEY_NAME)


async def test_role_name_with_trailing_newline_is_refused(harness: Harness) -> None:
    status, body = await harness.rest.raw(
        "POST", "roles", {"name": "admins\n", "ACL": {"*": {"read": True}}}, master=True
    )
    assert (status, body["code"]) == (400, ErrorCode.INVALID_ROLE_NAME)


@pytest.mark.parametrize("key", ["score\n", "score\r\n"])
def test_field_name_with_trailing_newline_is_refused_like_parse(server: Any, key: str) -> None:
    with pytest.raises(ParseRestError) as caught:
        server.rest.create("Game", {key: 1}, master=True)
    assert (caught.value.status, caught.value.code) == (400, ErrorCode.INVALID_KEY_NAME)
