"""``_Installation`` rules: Parse Server 9 and ``lq serve`` give the same answers.

Installations hold devices' push tokens. Before, anyone could list them
(``GET installations`` returned every ``deviceToken``) and delete them. Parse
refuses ``find``, ``count`` and ``delete`` without the master key (119), lets a
device read and update its own row by objectId, requires an id and a
``deviceType`` on create (135) and keeps ``installationId``/``deviceType``
fixed (136). LiveQuery subscriptions to ``_Installation`` are ``lq serve``'s
own concern (tests/server/test_installation_live_query.py).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.rest_writer import ParseRestError

from livequery_cli.parse.errors import ErrorCode

FORBIDDEN = (400, ErrorCode.OPERATION_FORBIDDEN)


def _refused(call: Any) -> tuple[int, int]:
    with pytest.raises(ParseRestError) as caught:
        call()
    return caught.value.status, caught.value.code


def _install(server: Any, **fields: Any) -> dict[str, Any]:
    body = {"installationId": str(uuid.uuid4()), "deviceType": "ios", **fields}
    answer: dict[str, Any] = server.rest.request("POST", "installations", body)
    return {**body, **answer}


def test_clients_cannot_list_count_or_delete_installations(server: Any) -> None:
    rest = server.rest
    device = _install(server, deviceToken="secret-" + uuid.uuid4().hex)
    user = rest.sign_up(f"u{uuid.uuid4().hex[:10]}", "pw")
    for token in (None, user["sessionToken"]):
        for path in ("installations", "classes/_Installation"):
            assert _refused(lambda path=path, token=token: rest.request(
                "GET", path, session_token=token)) == FORBIDDEN  # fmt: skip
            assert _refused(lambda path=path, token=token: rest.request(
                "GET", path, params={"count": 1, "limit": 0}, session_token=token,
            )) == FORBIDDEN  # fmt: skip
        assert _refused(lambda token=token: rest.request(
            "DELETE", f"installations/{device['objectId']}", session_token=token
        )) == FORBIDDEN  # fmt: skip
    found = rest.request("GET", "installations", params={"where": {"objectId": device["objectId"]}},
                         master=True)  # fmt: skip
    assert [row["deviceToken"] for row in found["results"]] == [device["deviceToken"]]
    rest.request("DELETE", f"installations/{device['objectId']}", master=True)


def test_a_device_reads_and_updates_its_own_installation(server: Any) -> None:
    rest = server.rest
    device = _install(server, installationId="ABC-" + uuid.uuid4().hex)
    path = f"installations/{device['objectId']}"
    assert rest.request("GET", path)["installationId"] == device["installationId"].lower()
    rest.request("PUT", path, {"badge": 3})
    assert rest.request("GET", path)["badge"] == 3


@pytest.mark.parametrize(
    "body",
    [{"deviceType": "ios"}, {"installationId": "no-device-type"}],
    ids=["no id", "no deviceType"],
)
def test_a_new_installation_needs_an_id_and_a_device_type(
    server: Any, body: dict[str, Any]
) -> None:
    if "installationId" in body:
        body = {"installationId": str(uuid.uuid4())}
    assert _refused(lambda: server.rest.request("POST", "installations", body)) == (
        400, ErrorCode.MISSING_REQUIRED_FIELD,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"), [("installationId", "another-id"), ("deviceType", "android")]
)
def test_installation_id_and_device_type_never_change(server: Any, field: str, value: str) -> None:
    device = _install(server)
    assert _refused(lambda: server.rest.request(
        "PUT", f"installations/{device['objectId']}", {field: value})) == (
        400, ErrorCode.CHANGED_IMMUTABLE_FIELD,
    )  # fmt: skip


def test_creating_an_existing_installation_id_updates_that_installation(server: Any) -> None:
    rest = server.rest
    device = _install(server)
    again = rest.request(
        "POST", "installations", {"installationId": device["installationId"], "badge": 7}
    )
    assert "updatedAt" in again
    row = rest.request("GET", f"installations/{device['objectId']}")
    assert row["badge"] == 7
    where = {"installationId": device["installationId"]}
    listed = rest.request("GET", "installations", master=True, params={"where": where})
    assert len(listed["results"]) == 1
