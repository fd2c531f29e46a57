"""Session hijacking through ``_Session`` writes, against Parse Server 9 and ``lq serve``.

A ``_Session`` row is what a token means. A client that may rewrite its own
session's ``user`` (or choose its ``sessionToken``, extend its ``expiresAt``)
owns somebody else's account. Parse Server 9 answers such writes with 105
(``INVALID_KEY_NAME``); every test here runs against both servers and
expects Parse's status and code. The restart tests are ``lq serve``'s own:
its token lookup must not trust a stored row a client could have written,
even one written by an older version (simulated by editing the file).
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.lq_server import LqServer
from support.rest_writer import ParseRestError, pointer

from livequery_cli.parse.errors import ErrorCode

LATER = {"__type": "Date", "iso": "2099-01-01T00:00:00.000Z"}


def _user(server: Any, **fields: Any) -> dict[str, Any]:
    user = server.rest.sign_up(f"u{uuid.uuid4().hex[:12]}", "pw", **fields)
    found = server.rest.request("GET", "sessions", session_token=user["sessionToken"])
    (session,) = [s for s in found["results"] if s["sessionToken"] == user["sessionToken"]]
    assert not [key for key in session if key.startswith("_")]  # internal fields stay inside
    return {**user, "session": session["objectId"]}


def _refused(call: Any) -> tuple[int, int]:
    with pytest.raises(ParseRestError) as caught:
        call()
    return caught.value.status, caught.value.code


def _me(server: Any, token: str) -> str:
    return str(server.rest.me(token)["objectId"])


@pytest.mark.parametrize("path", ["sessions", "classes/_Session"])
def test_a_user_cannot_move_its_session_to_another_user(server: Any, path: str) -> None:
    alice, bob = _user(server), _user(server, email=f"{uuid.uuid4().hex[:8]}@example.com")
    attack = {"user": pointer("_User", bob["objectId"])}
    status = _refused(
        lambda: server.rest.request(
            "PUT", f"{path}/{alice['session']}", attack, session_token=alice["sessionToken"]
        )
    )
    assert status == (400, ErrorCode.INVALID_KEY_NAME)
    me = server.rest.me(alice["sessionToken"])
    assert me["objectId"] == alice["objectId"]
    assert "email" not in me
    # Naming itself is allowed (Parse only refuses another user).
    server.rest.request(
        "PUT",
        f"{path}/{alice['session']}",
        {"user": pointer("_User", alice["objectId"])},
        session_token=alice["sessionToken"],
    )


def test_the_hijack_is_refused_inside_a_batch_too(lq_server: LqServer) -> None:
    """``lq serve`` only: in the rig, Parse Server 9.10 answers any batch sent with a
    session token with HTTP 500, so there is no reference answer to compare with."""
    server = lq_server
    alice, bob = _user(server), _user(server)
    answers = server.rest.batch(
        [
            {
                "method": "PUT",
                "path": f"sessions/{alice['session']}",
                "body": {"user": pointer("_User", bob["objectId"])},
            },
            {
                "method": "PUT",
                "path": f"classes/_Session/{alice['session']}",
                "body": {"sessionToken": "r:chosen"},
            },
        ],
        session_token=alice["sessionToken"],
    )
    assert [answer["error"]["code"] for answer in answers] == [ErrorCode.INVALID_KEY_NAME] * 2
    assert _me(server, alice["sessionToken"]) == alice["objectId"]


CLIENT_REFUSED = [
    ("sessionToken", "r:chosen"),
    ("expiresAt", LATER),
    ("createdWith", {"action": "login", "authProvider": "password"}),
    ("installationId", "f00d"),
    ("ACL", {"*": {"read": True}}),
]


@pytest.mark.parametrize(("field", "value"), CLIENT_REFUSED)
def test_session_fields_a_client_may_not_change(server: Any, field: str, value: Any) -> None:
    alice = _user(server)
    status = _refused(
        lambda: server.rest.request(
            "PUT", f"sessions/{alice['session']}", {field: value},
            session_token=alice["sessionToken"],
        )
    )  # fmt: skip
    assert status == (400, ErrorCode.INVALID_KEY_NAME)
    assert _me(server, alice["sessionToken"]) == alice["objectId"]
    # Ordinary fields of one's own session stay writable.
    server.rest.request(
        "PUT", f"sessions/{alice['session']}", {"note": "x"}, session_token=alice["sessionToken"]
    )


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("expiresAt", LATER, True),
        ("createdWith", {"action": "login"}, True),
        ("sessionToken", "r:chosen", False),
        ("installationId", "f00d", False),
        ("ACL", {"*": {"read": True}}, False),
    ],
)
def test_session_fields_the_master_key_may_change(
    server: Any, field: str, value: Any, allowed: bool
) -> None:
    alice = _user(server)

    def change() -> Any:
        return server.rest.request(
            "PUT", f"sessions/{alice['session']}", {field: value}, master=True
        )

    if allowed:
        change()
    else:
        assert _refused(change) == (400, ErrorCode.INVALID_KEY_NAME)
    assert _me(server, alice["sessionToken"]) == alice["objectId"]


def test_a_user_creates_sessions_only_for_itself(server: Any) -> None:
    alice, bob = _user(server), _user(server)
    chosen = "r:" + uuid.uuid4().hex
    made = server.rest.request(
        "POST",
        "sessions",
        {
            "user": pointer("_User", bob["objectId"]),
            "sessionToken": chosen,
            "expiresAt": LATER,
            "createdWith": {"action": "login"},
            "note": "second device",
        },
        session_token=alice["sessionToken"],
    )
    assert made["user"]["objectId"] == alice["objectId"]
    assert made["sessionToken"] != chosen
    assert made["createdWith"] == {"action": "create"}
    assert made["expiresAt"] != LATER
    assert made["note"] == "second device"
    assert _me(server, made["sessionToken"]) == alice["objectId"]
    assert _refused(lambda: server.rest.me(chosen)) == (400, ErrorCode.INVALID_SESSION_TOKEN)


def test_the_master_key_may_create_a_session_for_anyone(server: Any) -> None:
    bob = _user(server)
    token = "r:" + uuid.uuid4().hex
    server.rest.request(
        "POST", "sessions",
        {"user": pointer("_User", bob["objectId"]), "sessionToken": token, "expiresAt": LATER},
        master=True,
    )  # fmt: skip
    assert _me(server, token) == bob["objectId"]


def test_sessions_need_a_session_token(server: Any) -> None:
    alice = _user(server)
    calls = [
        lambda: server.rest.request("GET", "sessions"),
        lambda: server.rest.request("GET", "classes/_Session"),
        lambda: server.rest.request("POST", "sessions", {"note": "x"}),
        lambda: server.rest.request("PUT", f"sessions/{alice['session']}", {"note": "x"}),
    ]
    for call in calls:
        assert _refused(call) == (400, ErrorCode.INVALID_SESSION_TOKEN)


def test_other_users_sessions_are_out_of_reach(server: Any) -> None:
    alice, bob = _user(server), _user(server)
    token = alice["sessionToken"]
    mine = server.rest.request("GET", "sessions", session_token=token)["results"]
    assert {s["user"]["objectId"] for s in mine} == {alice["objectId"]}
    where = {"user": pointer("_User", bob["objectId"])}
    found = server.rest.request("GET", "sessions", params={"where": where}, session_token=token)
    assert found["results"] == []
    path = f"sessions/{bob['session']}"
    for call in (
        lambda: server.rest.request("GET", path, session_token=token),
        lambda: server.rest.request("PUT", path, {"note": "x"}, session_token=token),
        lambda: server.rest.request("DELETE", path, session_token=token),
    ):
        assert _refused(call) == (404, ErrorCode.OBJECT_NOT_FOUND)
    assert _me(server, bob["sessionToken"]) == bob["objectId"]


# -- lq serve only: the database file across restarts ------------------------------------


@pytest.fixture
def lq_on_file(tmp_path: Path) -> Any:
    with LqServer(db=str(tmp_path / "lq.sqlite")) as server:
        yield server


def test_hijack_attempt_then_restart_still_answers_as_the_right_user(lq_on_file: Any) -> None:
    server = lq_on_file
    alice, bob = _user(server), _user(server, email="bob@example.com")
    for field, value in [("user", pointer("_User", bob["objectId"])), *CLIENT_REFUSED]:
        _refused(
            lambda field=field, value=value: server.rest.request(
                "PUT", f"sessions/{alice['session']}", {field: value},
                session_token=alice["sessionToken"],
            )
        )  # fmt: skip
    server.restart()
    me = server.rest.me(alice["sessionToken"])
    assert me["objectId"] == alice["objectId"]
    assert "email" not in me


def _rewrite_session(db: str, session_id: str, change: dict[str, Any]) -> None:
    """Edit a stored session the way a pre-fix client write would have left it."""
    with sqlite3.connect(db) as connection:
        (body,) = connection.execute(
            "SELECT body FROM objects WHERE class = '_Session' AND id = ?", (session_id,)
        ).fetchone()
        row = {**orjson.loads(body), **change}
        connection.execute(
            "UPDATE objects SET body = ? WHERE class = '_Session' AND id = ?",
            (orjson.dumps(row).decode(), session_id),
        )
    connection.close()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda bob: {"user": pointer("_User", bob["objectId"])},
        lambda bob: {"sessionToken": "r:chosen-by-the-attacker"},
        lambda bob: {"expiresAt": LATER, "user": pointer("_User", bob["objectId"])},
    ],
    ids=["user", "sessionToken", "user+expiresAt"],
)
def test_a_tampered_session_row_grants_nothing_after_restart(lq_on_file: Any, tamper: Any) -> None:
    server = lq_on_file
    alice, bob = _user(server), _user(server, email="bob@example.com")
    server.stop()
    _rewrite_session(server.db, alice["session"], tamper(bob))
    server.start()
    for token in (alice["sessionToken"], "r:chosen-by-the-attacker"):
        assert _refused(lambda token=token: server.rest.me(token)) == (
            400,
            ErrorCode.INVALID_SESSION_TOKEN,
        )
    assert _me(server, bob["sessionToken"]) == bob["objectId"]


def test_a_master_key_write_of_other_fields_does_not_bless_a_tampered_row(
    lq_on_file: Any,
) -> None:
    server = lq_on_file
    alice, bob = _user(server), _user(server)
    server.stop()
    _rewrite_session(server.db, alice["session"], {"user": pointer("_User", bob["objectId"])})
    server.start()
    path = f"sessions/{alice['session']}"
    server.rest.request("PUT", path, {"note": "checked", "expiresAt": LATER}, master=True)
    assert _refused(lambda: server.rest.me(alice["sessionToken"])) == (
        400,
        ErrorCode.INVALID_SESSION_TOKEN,
    )
    # Naming the user with the master key is a decision to trust the row, as in Parse.
    server.rest.request("PUT", path, {"user": pointer("_User", alice["objectId"])}, master=True)
    assert _me(server, alice["sessionToken"]) == alice["objectId"]
