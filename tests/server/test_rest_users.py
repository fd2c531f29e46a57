"""Users and sessions over REST: sign up, log in, log out, users/me, secrets never shown."""

from __future__ import annotations

import pytest
from support.lq_harness import Harness, RestFailure


async def test_sign_up_log_in_me_log_out(harness: Harness) -> None:
    rest = harness.rest
    signed = await rest.sign_up("erin", "pw1", email="erin@example.com")
    assert set(signed) == {"objectId", "createdAt", "sessionToken"}
    logged = await rest("POST", "login", {"username": "erin", "password": "pw1"})
    assert logged["objectId"] == signed["objectId"]
    assert logged["sessionToken"].startswith("r:")
    assert "password" not in logged
    assert "_hashed_password" not in logged
    via_get = await rest("GET", "login", params={"username": "erin", "password": "pw1"})
    assert via_get["objectId"] == signed["objectId"]
    me = await rest("GET", "users/me", token=logged["sessionToken"])
    assert me["username"] == "erin"
    assert me["sessionToken"] == logged["sessionToken"]
    assert me["email"] == "erin@example.com"
    await rest("POST", "logout", {}, token=logged["sessionToken"])
    with pytest.raises(RestFailure) as failure:
        await rest("GET", "users/me", token=logged["sessionToken"])
    assert failure.value.code == 209
    # The sign-up session is a different one and still valid.
    assert (await rest("GET", "users/me", token=signed["sessionToken"]))["username"] == "erin"


async def test_login_errors_and_duplicates(harness: Harness) -> None:
    rest = harness.rest
    await rest.sign_up("frank", "right", email="f@example.com")
    with pytest.raises(RestFailure) as failure:
        await rest("POST", "login", {"username": "frank", "password": "wrong"})
    assert (failure.value.status, failure.value.code) == (404, 101)
    with pytest.raises(RestFailure) as failure:
        await rest.sign_up("frank", "x")
    assert failure.value.code == 202
    with pytest.raises(RestFailure) as failure:
        await rest.sign_up("frank2", "x", email="F@example.com")
    assert failure.value.code == 203
    with pytest.raises(RestFailure) as failure:
        await rest("POST", "users", {"password": "x"})
    assert failure.value.code == 200
    with pytest.raises(RestFailure) as failure:
        await rest("POST", "users", {"username": "nopw"})
    assert failure.value.code == 201


async def test_other_users_see_no_secrets(harness: Harness) -> None:
    rest = harness.rest
    password = "correct-horse-battery-staple"  # long enough not to occur in a hash by chance
    gina = await rest.sign_up("gina", password, email="g@example.com")
    hank = await rest.sign_up("hank")
    with pytest.raises(RestFailure) as failure:  # users are private by default, as in Parse 9
        await rest("GET", f"users/{gina['objectId']}", token=hank["sessionToken"])
    assert failure.value.code == 101
    public = {"*": {"read": True}, gina["objectId"]: {"read": True, "write": True}}
    await rest("PUT", f"users/{gina['objectId']}", {"ACL": public}, token=gina["sessionToken"])
    seen = await rest("GET", f"users/{gina['objectId']}", token=hank["sessionToken"])
    assert seen["username"] == "gina"
    for secret in ("password", "_hashed_password", "sessionToken", "email", "authData"):
        assert secret not in seen
    everyone = await rest("GET", "users", master=True)
    for user in everyone["results"]:
        assert "password" not in user
        assert "sessionToken" not in user
    stored = harness.server.storage.get("_User", gina["objectId"])
    assert stored is not None
    assert password not in str(stored)
    assert stored["_hashed_password"].startswith("scrypt$")


async def test_user_can_only_change_itself(harness: Harness) -> None:
    rest = harness.rest
    ivy = await rest.sign_up("ivy")
    jay = await rest.sign_up("jay")
    with pytest.raises(RestFailure):
        await rest("PUT", f"users/{ivy['objectId']}", {"nick": "x"}, token=jay["sessionToken"])
    await rest("PUT", f"users/{ivy['objectId']}", {"password": "new"}, token=ivy["sessionToken"])
    assert (await rest("POST", "login", {"username": "ivy", "password": "new"}))["objectId"]


async def test_deleting_a_session_revokes_its_token(harness: Harness) -> None:
    rest = harness.rest
    kim = await rest.sign_up("kim")
    sessions = await rest(
        "GET", "classes/_Session", params={"where": {"sessionToken": kim["sessionToken"]}},
        master=True,
    )  # fmt: skip
    assert len(sessions["results"]) == 1
    await rest("DELETE", f"sessions/{sessions['results'][0]['objectId']}", master=True)
    with pytest.raises(RestFailure) as failure:
        await rest("GET", "users/me", token=kim["sessionToken"])
    assert failure.value.code == 209
