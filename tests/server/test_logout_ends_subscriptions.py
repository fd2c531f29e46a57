"""Logging out ends the session's LiveQuery subscriptions, in a way no official SDK crashes on.

``lq serve`` (unlike Parse Server, which keeps sending) ends every
subscription that relied on a session when the session ends. It says so with
an ``unsubscribed`` frame carrying ``code`` 209 rather than an ``error``
frame: the official JS SDK turns an ``error`` frame that reaches a closing
client into an unhandled promise rejection, which ends a Node process.
``tests/node/sdk_logout_ends_subscriptions.js`` checks this through the SDK,
including the frame arriving in the middle of ``close()``.
"""

from __future__ import annotations

from typing import Any

from support.lq_harness import APP_ID, JS_KEY, Harness
from support.node_scripts import run_node_script

CLASS = "Secret"


async def test_logout_ends_the_subscription_with_unsubscribed(harness: Harness) -> None:
    rest = harness.rest
    user = await rest.sign_up("leaver")
    other = await rest.sign_up("stayer")
    live = await harness.live()
    where = {"tag": "x"}
    assert (await live.subscribe(1, CLASS, where, sessionToken=user["sessionToken"]))["op"] == (
        "subscribed"
    )
    assert (await live.subscribe(2, CLASS, where, sessionToken=other["sessionToken"]))["op"] == (
        "subscribed"
    )
    await rest("POST", "logout", {}, token=user["sessionToken"])
    ended = await live.recv()
    assert {k: v for k, v in ended.items() if k != "clientId"} == {
        "op": "unsubscribed",
        "requestId": 1,
        "code": 209,
        "error": "Invalid session token",
    }
    await rest.create(CLASS, {"tag": "x"})
    created = await live.recv()
    assert (created["op"], created["requestId"]) == ("create", 2)  # and nothing for 1
    # Unsubscribing what the server ended is answered like any unsubscribe (no error 2,
    # which would make the JS SDK reconnect).
    await live.send({"op": "unsubscribe", "requestId": 1})
    answer = await live.recv()
    assert (answer["op"], answer["requestId"]) == ("unsubscribed", 1)
    await live.send({"op": "unsubscribe", "requestId": 1})
    assert (await live.recv())["code"] == 2  # only once: it is forgotten then
    await live.expect_silence()


async def test_a_new_login_from_the_same_installation_ends_the_old_sessions_subscriptions(
    harness: Harness,
) -> None:
    rest = harness.rest
    await rest.sign_up("device-user", "pw-1")
    device = {"X-Parse-Application-Id": APP_ID, "X-Parse-REST-API-Key": JS_KEY,
              "X-Parse-Installation-Id": "device-1"}  # fmt: skip
    credentials = {"username": "device-user", "password": "pw-1"}
    status, first = await rest.raw("POST", "login", credentials, headers=device)
    assert status == 200, first
    live = await harness.live()
    answer = await live.subscribe(1, CLASS, {}, sessionToken=first["sessionToken"])
    assert answer["op"] == "subscribed"
    status, second = await rest.raw("POST", "login", credentials, headers=device)
    assert status == 200, second
    ended = await live.recv()
    assert (ended["op"], ended["requestId"], ended["code"]) == ("unsubscribed", 1, 209)
    status, _ = await rest.raw("GET", "users/me", token=first["sessionToken"])
    assert status == 400


def test_js_sdk_logout_while_subscribed_and_while_closing(lq_server: Any) -> None:
    records = run_node_script("sdk_logout_ends_subscriptions.js", lq_server)
    assert records == [
        {"kind": "step", "step": "ended", "subscribed": False, "known": False},
        {"kind": "step", "step": "silent", "eventsAfterLogout": 0},
        {"kind": "step", "step": "unsubscribeAfterEnd", "state": "connected", "reopened": 0},
        {"kind": "step", "step": "closeRace", "frame": "unsubscribed", "subscribed": False},
        {"kind": "done"},
    ]
