"""Parse Server 9's rules for ``_User`` writes and sessions, against both servers.

Every test runs against Parse Server 9 (the rig) and ``lq serve`` with the
same REST requests and expects the same answers: a user who signs up with an
ACL of its own still gets read/write on itself; changing or deleting another
user is 206, not 101; logging in again from an installation ends the user's
earlier sessions from it.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.raw_rest import call, error_of

OWN = {"read": True, "write": True}


def _sign_up(server: Any, **fields: Any) -> tuple[str, str]:
    name = f"ur-{uuid.uuid4().hex[:12]}"
    installation_id = fields.pop("installation_id", None)
    status, body = call(
        server,
        "POST",
        "users",
        {"username": name, "password": "pw-1", **fields},
        installation_id=installation_id,
    )
    assert status == 201, body
    return body["objectId"], body["sessionToken"]


def _stored_acl(server: Any, user_id: str) -> Any:
    status, body = call(server, "GET", f"users/{user_id}", master=True)
    assert status == 200, body
    return body.get("ACL")


def test_sign_up_with_an_acl_keeps_read_write_on_itself(server: Any) -> None:
    user_id, token = _sign_up(server, ACL={"*": {"read": True}})
    assert _stored_acl(server, user_id) == {"*": {"read": True}, user_id: OWN}
    status, _ = call(server, "PUT", f"users/{user_id}", {"nick": "me"}, token=token)
    assert status == 200
    empty_id, _ = _sign_up(server, ACL={})
    assert _stored_acl(server, empty_id) == {empty_id: OWN}


def test_master_key_create_gets_the_users_own_entry_too(server: Any) -> None:
    name = f"ur-{uuid.uuid4().hex[:12]}"
    body = {"username": name, "password": "pw-1", "ACL": {"role:staff": {"read": True}}}
    status, answer = call(server, "POST", "users", body, master=True)
    assert status == 201, answer
    user_id = answer["objectId"]
    assert _stored_acl(server, user_id) == {"role:staff": {"read": True}, user_id: OWN}


def test_a_user_changing_its_own_acl_keeps_its_access(server: Any) -> None:
    user_id, token = _sign_up(server)
    status, _ = call(server, "PUT", f"users/{user_id}", {"ACL": {"*": {"read": True}}}, token=token)
    assert status == 200
    assert _stored_acl(server, user_id) == {"*": {"read": True}, user_id: OWN}
    # The master key may lock a user out (Parse then refuses its logins).
    status, _ = call(server, "PUT", f"users/{user_id}", {"ACL": {"*": {"read": True}}}, master=True)
    assert status == 200
    assert _stored_acl(server, user_id) == {"*": {"read": True}}


DENIED = (400, 206, "Permission denied")


def test_changing_or_deleting_another_user_is_206(server: Any) -> None:
    public_id, public_token = _sign_up(server, ACL={"*": {"read": True}})
    private_id, _ = _sign_up(server)
    missing = "zzzzzzzzzz"
    cases: list[tuple[str, tuple[int, Any], tuple[int, int | None, str | None]]] = [
        ("anonymous update", call(server, "PUT", f"users/{public_id}", {"x": 1}), DENIED),
        (
            "update of a readable user",
            call(server, "PUT", f"users/{public_id}", {"x": 1}, token=_sign_up(server)[1]),
            DENIED,
        ),
        (
            "update of a private user",
            call(server, "PUT", f"users/{private_id}", {"x": 1}, token=public_token),
            DENIED,
        ),
        (
            "update via classes/_User",
            call(server, "PUT", f"classes/_User/{private_id}", {"x": 1}, token=public_token),
            DENIED,
        ),
        (
            "update of a missing user",
            call(server, "PUT", f"users/{missing}", {"x": 1}, token=public_token),
            DENIED,
        ),
        (
            "anonymous delete",
            call(server, "DELETE", f"users/{public_id}"),
            (400, 206, "Insufficient auth to delete user"),
        ),
        (
            "delete of a private user",
            call(server, "DELETE", f"users/{private_id}", token=public_token),
            DENIED,
        ),
        (
            "delete of a missing user",
            call(server, "DELETE", f"users/{missing}", token=public_token),
            DENIED,
        ),
        (
            "master update of a missing user",
            call(server, "PUT", f"users/{missing}", {"x": 1}, master=True),
            (404, 101, "Object not found."),
        ),
        (
            "master delete of a missing user",
            call(server, "DELETE", f"users/{missing}", master=True),
            (404, 101, "Object not found for delete."),
        ),
        (
            "reading a private user stays 101",
            call(server, "GET", f"users/{private_id}", token=public_token),
            (404, 101, "Object not found."),
        ),
    ]
    got = {name: error_of(answer) for name, answer, _ in cases}
    assert got == {name: expected for name, _, expected in cases}
    # Nothing was changed or deleted.
    status, body = call(server, "GET", f"users/{public_id}", master=True)
    assert status == 200
    assert "x" not in body


def _me_status(server: Any, token: str) -> int:
    return call(server, "GET", "users/me", token=token)[0]


def test_logging_in_again_from_an_installation_ends_its_earlier_sessions(server: Any) -> None:
    device = f"inst-{uuid.uuid4().hex[:12]}"
    user_id, signed_up = _sign_up(server, installation_id=device)
    username = call(server, "GET", f"users/{user_id}", master=True)[1]["username"]
    credentials = {"username": username, "password": "pw-1"}

    def log_in(installation_id: str | None) -> str:
        status, body = call(server, "POST", "login", credentials, installation_id=installation_id)
        assert status == 200, body
        token: str = body["sessionToken"]
        return token

    first = log_in(device)
    assert _me_status(server, signed_up) == 400  # the sign-up session of that device is gone
    second = log_in(device)
    other_device = log_in(f"other-{device}")
    no_device = log_in(None)
    also_no_device = log_in(None)
    status = {
        name: _me_status(server, token)
        for name, token in [
            ("first", first),
            ("second", second),
            ("other_device", other_device),
            ("no_device", no_device),
            ("also_no_device", also_no_device),
        ]
    }
    assert status == {
        "first": 400,
        "second": 200,
        "other_device": 200,
        "no_device": 200,
        "also_no_device": 200,
    }
    where = {"user": {"__type": "Pointer", "className": "_User", "objectId": user_id}}
    _, sessions = call(server, "GET", "sessions", master=True, params={"where": where})
    assert sorted(s.get("installationId", "") for s in sessions["results"]) == [
        "",
        "",
        device,
        f"other-{device}",
    ]


def test_another_user_logging_in_from_the_same_installation_keeps_sessions(server: Any) -> None:
    device = f"inst-{uuid.uuid4().hex[:12]}"
    _, first_token = _sign_up(server, installation_id=device)
    _, second_token = _sign_up(server, installation_id=device)
    assert _me_status(server, first_token) == 200
    assert _me_status(server, second_token) == 200


@pytest.mark.parametrize("same_device", [False, True])
def test_login_as_also_replaces_the_installations_session(server: Any, same_device: bool) -> None:
    device = f"inst-{uuid.uuid4().hex[:12]}"
    user_id, signed_up = _sign_up(server, installation_id=device)
    login_device = device if same_device else f"other-{device}"
    status, body = call(
        server, "POST", "loginAs", {"userId": user_id}, master=True, installation_id=login_device
    )
    assert status == 200, body
    assert _me_status(server, signed_up) == (400 if same_device else 200)
    assert _me_status(server, body["sessionToken"]) == 200
