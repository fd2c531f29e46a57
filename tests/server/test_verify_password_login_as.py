"""``verifyPassword`` and ``loginAs`` against Parse Server 9 and ``lq serve``: same answers.

Each request is sent to both servers; the answers must agree on status,
error code and message, and on the user fields shown (ids and timestamps
normalised away).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.raw_rest import call, error_of

VOLATILE = {"objectId", "createdAt", "updatedAt", "sessionToken"}


def _shape(body: Any, user_id: str) -> Any:
    """A user answer with volatile values replaced by their names (ACL keyed by ``me``)."""
    if not isinstance(body, dict):
        return body
    shaped: dict[str, Any] = {}
    for key, value in body.items():
        if key in VOLATILE:
            shaped[key] = f"<{key}>"
        elif key == "ACL":
            shaped[key] = {("me" if k == user_id else k): v for k, v in value.items()}
        else:
            shaped[key] = value
    return shaped


@pytest.fixture
def account(server: Any) -> dict[str, str]:
    tag = uuid.uuid4().hex[:12]
    user = {"username": f"vp-{tag}", "password": "pw-1", "email": f"vp-{tag}@example.com"}
    status, body = call(server, "POST", "users", {**user, "nick": "n"})
    assert status == 201, body
    return {**user, "objectId": body["objectId"], "sessionToken": body["sessionToken"]}


def _user_view(account: dict[str, str]) -> dict[str, Any]:
    return {
        "ACL": {"me": {"read": True, "write": True}},
        "createdAt": "<createdAt>",
        "email": account["email"],
        "nick": "n",
        "objectId": "<objectId>",
        "updatedAt": "<updatedAt>",
        "username": account["username"],
    }


def test_verify_password_answers_the_user_without_a_session(
    server: Any, account: dict[str, str]
) -> None:
    name, password, email = account["username"], account["password"], account["email"]
    answers = {
        "POST username": call(
            server, "POST", "verifyPassword", {"username": name, "password": password}
        ),
        "GET username": call(
            server, "GET", "verifyPassword", params={"username": name, "password": password}
        ),
        "POST email": call(
            server, "POST", "verifyPassword", {"email": email, "password": password}
        ),
        "POST email as username": call(
            server, "POST", "verifyPassword", {"username": email, "password": password}
        ),
        "with a session token": call(
            server,
            "POST",
            "verifyPassword",
            {"username": name, "password": password},
            token=account["sessionToken"],
        ),
    }
    view = _user_view(account)
    assert {k: (s, _shape(b, account["objectId"])) for k, (s, b) in answers.items()} == {
        k: (200, view) for k in answers
    }


def test_verify_password_errors(server: Any, account: dict[str, str]) -> None:
    name = account["username"]
    wrong = (404, 101, "Invalid username/password.")
    cases = {
        "wrong password": ({"username": name, "password": "nope"}, wrong),
        "unknown user": ({"username": "nobody-" + name, "password": "pw-1"}, wrong),
        "password not a string": ({"username": name, "password": 5}, wrong),
        "no password": ({"username": name}, (400, 201, "password is required.")),
        "no username": ({"password": "pw-1"}, (400, 200, "username/email is required.")),
    }
    got = {
        k: error_of(call(server, "POST", "verifyPassword", body)) for k, (body, _) in cases.items()
    }
    assert got == {k: expected for k, (_, expected) in cases.items()}


def test_login_as_opens_a_session_with_the_master_key(server: Any, account: dict[str, str]) -> None:
    status, body = call(server, "POST", "loginAs", {"userId": account["objectId"]}, master=True)
    assert status == 200
    assert _shape(body, account["objectId"]) == {
        **_user_view(account),
        "sessionToken": "<sessionToken>",
    }
    status, me = call(server, "GET", "users/me", token=body["sessionToken"])
    assert (status, me["objectId"]) == (200, account["objectId"])
    where = {"sessionToken": body["sessionToken"]}
    _, sessions = call(server, "GET", "sessions", master=True, params={"where": where})
    assert [s["createdWith"] for s in sessions["results"]] == [
        {"action": "login", "authProvider": "masterkey"}
    ]
    status, by_query = call(
        server, "POST", "loginAs", master=True, params={"userId": account["objectId"]}
    )
    assert status == 200
    assert by_query["objectId"] == account["objectId"]


def test_login_as_errors(server: Any, account: dict[str, str]) -> None:
    cases = {
        "without the master key": (
            call(server, "POST", "loginAs", {"userId": account["objectId"]}),
            (400, 119, "Permission denied"),
        ),
        "with a user's session": (
            call(
                server,
                "POST",
                "loginAs",
                {"userId": account["objectId"]},
                token=account["sessionToken"],
            ),
            (400, 119, "Permission denied"),
        ),
        "no userId": (
            call(server, "POST", "loginAs", {}, master=True),
            (400, 162, "userId must not be empty, null, or undefined"),
        ),
        "unknown userId": (
            call(server, "POST", "loginAs", {"userId": "zzzzzzzzzz"}, master=True),
            (404, 101, "user not found"),
        ),
    }
    got = {k: error_of(answer) for k, (answer, _) in cases.items()}
    assert got == {k: expected for k, (_, expected) in cases.items()}
