"""Account rules Parse Server 9 enforces, checked against it and ``lq serve`` alike.

- A password change ends every session of the user (Parse's default
  ``revokeSessionOnPasswordReset``); the user who changed it gets a fresh
  session token in the answer, the master key does not.
- Only the master key may set ``emailVerified`` (119 otherwise).
- Usernames are unique case-insensitively (202), while login needs the exact
  spelling (101). ``lq serve`` also refuses look-alikes that differ by an
  invisible character, an NFKC compatibility form or non-ASCII case, which
  Parse (on PostgreSQL) accepts
  (the last two tests pin both behaviours; docs/serve.md explains why).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support.lq_server import LqServer
from support.rest_writer import ParseRestError

from livequery_cli.parse.errors import ErrorCode


def _name(prefix: str = "u") -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def _refused(call: Any) -> tuple[int, int]:
    with pytest.raises(ParseRestError) as caught:
        call()
    return caught.value.status, caught.value.code


INVALID_TOKEN = (400, ErrorCode.INVALID_SESSION_TOKEN)


def test_changing_the_password_ends_every_session(server: Any) -> None:
    rest = server.rest
    user = rest.sign_up(_name(), "old")
    first, second = user["sessionToken"], rest.log_in(user["username"], "old")["sessionToken"]
    other = rest.sign_up(_name(), "pw")["sessionToken"]
    answer = rest.update("_User", user["objectId"], {"password": "new"}, session_token=first)
    for token in (first, second):
        assert _refused(lambda token=token: rest.me(token)) == INVALID_TOKEN
    fresh = answer["sessionToken"]
    assert fresh not in (first, second)
    assert rest.me(fresh)["objectId"] == user["objectId"]
    # Only the fresh session is left, made by no login or sign-up (no ``createdWith``).
    left = rest.request("GET", "sessions", session_token=fresh)["results"]
    assert [(s["sessionToken"], s.get("createdWith")) for s in left] == [(fresh, None)]
    assert rest.me(other)  # another user's session is untouched
    assert _refused(lambda: rest.log_in(user["username"], "old"))[1] == ErrorCode.OBJECT_NOT_FOUND
    assert rest.log_in(user["username"], "new")["objectId"] == user["objectId"]


def test_a_master_key_password_reset_ends_every_session_and_opens_none(server: Any) -> None:
    rest = server.rest
    user = rest.sign_up(_name(), "old")
    answer = rest.update("_User", user["objectId"], {"password": "new"}, master=True)
    assert "sessionToken" not in answer
    assert _refused(lambda: rest.me(user["sessionToken"])) == INVALID_TOKEN


def test_other_user_changes_keep_the_sessions(server: Any) -> None:
    rest = server.rest
    user = rest.sign_up(_name(), "pw")
    rest.update("_User", user["objectId"], {"nick": "x"}, session_token=user["sessionToken"])
    assert rest.me(user["sessionToken"])["objectId"] == user["objectId"]


FORBIDDEN = (400, ErrorCode.OPERATION_FORBIDDEN)


@pytest.mark.parametrize("verified", [True, False])
def test_only_the_master_key_sets_email_verified(server: Any, verified: bool) -> None:
    rest = server.rest
    body = {"username": _name(), "password": "pw", "email": f"{_name()}@example.com"}
    assert _refused(lambda: rest.request("POST", "users", {**body, "emailVerified": verified})) == (
        FORBIDDEN
    )
    user = rest.sign_up(body["username"], "pw", email=body["email"])
    assert _refused(
        lambda: rest.update(
            "_User", user["objectId"], {"emailVerified": verified},
            session_token=user["sessionToken"],
        )
    ) == FORBIDDEN  # fmt: skip
    rest.update("_User", user["objectId"], {"emailVerified": verified}, master=True)
    assert rest.get("_User", user["objectId"], master=True)["emailVerified"] is verified


TAKEN = (400, ErrorCode.USERNAME_TAKEN)


def test_usernames_differing_only_in_case_are_one_account(server: Any) -> None:
    rest = server.rest
    name = "Snoopy" + uuid.uuid4().hex[:8]
    rest.sign_up(name, "pw")
    for variant in (name.lower(), name.upper()):
        assert _refused(lambda variant=variant: rest.sign_up(variant, "pw")) == TAKEN
    other = rest.sign_up(_name(), "pw")
    assert _refused(
        lambda: rest.update(
            "_User", other["objectId"], {"username": name.lower()},
            session_token=other["sessionToken"],
        )
    ) == TAKEN  # fmt: skip
    # Login stays case-sensitive, as in Parse.
    assert _refused(lambda: rest.log_in(name.lower(), "pw"))[1] == ErrorCode.OBJECT_NOT_FOUND
    assert rest.log_in(name, "pw")["username"] == name


LOOK_ALIKES = {
    "zero-width space": lambda n: n + "\u200b",
    "zero-width joiner": lambda n: n[:2] + "\u200d" + n[2:],
    "soft hyphen": lambda n: n[:2] + "\u00ad" + n[2:],
    "bidi mark": lambda n: "\u200e" + n,
    "fullwidth letter": lambda n: "\uff33" + n[1:],
    "variation selector": lambda n: n + "\ufe0f",
    "non-ASCII case": lambda n: n.replace("\u00e9", "\u00c9"),
}


@pytest.mark.parametrize("variant", list(LOOK_ALIKES), ids=list(LOOK_ALIKES))
def test_lq_refuses_invisible_look_alike_usernames(lq_server: LqServer, variant: str) -> None:
    name = "Snoop\u00e9" + uuid.uuid4().hex[:8]
    lq_server.rest.sign_up(name, "pw")
    assert _refused(lambda: lq_server.rest.sign_up(LOOK_ALIKES[variant](name), "pw")) == TAKEN


@pytest.mark.parse_server
def test_parse_accepts_invisible_look_alike_usernames(parse_server: Any) -> None:
    """Pins the reference behaviour docs/serve.md describes as a deliberate difference."""
    name = "Snoop\u00e9" + uuid.uuid4().hex[:8]
    parse_server.rest.sign_up(name, "pw")
    for make in LOOK_ALIKES.values():
        assert parse_server.rest.sign_up(make(name), "pw")["objectId"]
