"""LiveQuery events on ``_Session``: logins, sign-ups and logouts, as Parse Server 9 sends them.

Sessions used to be created and deleted beside the object API, so a
subscription to ``_Session`` never heard of a login. Now every session the
server opens (sign-up, login, ``POST sessions``) is a ``create`` event and
every one it ends (logout, deletion, revocation) a ``delete`` event. As in
Parse, a user's subscription is narrowed to its own sessions, an anonymous
one is refused (209) and the master key sees all. The same script runs
against Parse Server 9 (publishing ``_Session``) and ``lq serve``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
import pytest
from support.parse_server import CLASS_NAMES
from websockets.asyncio.client import ClientConnection, connect

from livequery_cli.parse.errors import ErrorCode

FRAME_TIMEOUT = 15.0


@pytest.fixture(params=[pytest.param("parse", marks=pytest.mark.parse_server), "lq"])
def live_server(request: pytest.FixtureRequest) -> Any:
    if request.param == "parse":
        return request.getfixturevalue("parse_server_factory")(
            class_names=(*CLASS_NAMES, "_Session")
        )
    return request.getfixturevalue("lq_server")


@pytest.fixture
async def sockets() -> Any:
    """Every socket a test opens, closed after it."""
    opened: list[ClientConnection] = []
    yield opened
    for ws in opened:
        await ws.close()


async def _connect(server: Any, opened: list[ClientConnection], **fields: Any) -> ClientConnection:
    ws = await connect(server.ws_url, max_size=None)
    opened.append(ws)
    hello = {"op": "connect", "applicationId": server.app_id, "javascriptKey": server.js_key}
    await ws.send(orjson.dumps({**hello, **fields}).decode())
    assert (await _recv(ws))["op"] == "connected"
    return ws


async def _recv(ws: ClientConnection) -> dict[str, Any]:
    frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT))
    return frame


async def _subscribe(ws: ClientConnection, **extra: Any) -> dict[str, Any]:
    frame = {"op": "subscribe", "requestId": 1, "query": {"className": "_Session", "where": {}}}
    await ws.send(orjson.dumps({**frame, **extra}).decode())
    return await _recv(ws)


async def _next_event(ws: ClientConnection, users: set[str]) -> tuple[str, str, dict[str, Any]]:
    """The next event about a session of one of ``users`` (others' sessions are skipped)."""
    while True:
        frame = await _recv(ws)
        obj = frame.get("object") or {}
        if (obj.get("user") or {}).get("objectId") in users:
            return frame["op"], obj["user"]["objectId"], obj


async def test_session_events_follow_logins_and_logouts(live_server: Any, sockets: Any) -> None:
    rest = live_server.rest
    alice = await asyncio.to_thread(rest.sign_up, f"a{uuid.uuid4().hex[:10]}", "pw")
    bob = await asyncio.to_thread(rest.sign_up, f"b{uuid.uuid4().hex[:10]}", "pw")
    ids = {alice["objectId"], bob["objectId"]}
    subs = {}
    for user in (alice, bob):
        subs[user["objectId"]] = ws = await _connect(
            live_server, sockets, sessionToken=user["sessionToken"]
        )
        assert (await _subscribe(ws))["op"] == "subscribed"
    mine, bobs = subs[alice["objectId"]], subs[bob["objectId"]]

    bob_login = await asyncio.to_thread(rest.log_in, bob["username"], "pw")
    alice_login = await asyncio.to_thread(rest.log_in, alice["username"], "pw")
    # Each subscription hears of its own user's login only.
    op, user, created = await _next_event(mine, ids)
    assert (op, user) == ("create", alice["objectId"])
    assert created["createdWith"]["action"] == "login"
    assert created.get("sessionToken") in (None, alice_login["sessionToken"])
    assert not [key for key in created if key.startswith("_")]
    op, user, bobs_created = await _next_event(bobs, ids)
    assert (op, user) == ("create", bob["objectId"])

    await asyncio.to_thread(rest.log_out, alice_login["sessionToken"])
    await asyncio.to_thread(rest.log_out, bob_login["sessionToken"])
    op, user, deleted = await _next_event(mine, ids)
    assert (op, user, deleted["objectId"]) == ("delete", alice["objectId"], created["objectId"])
    op, user, deleted = await _next_event(bobs, ids)
    assert (op, user, deleted["objectId"]) == ("delete", bob["objectId"], bobs_created["objectId"])


async def test_the_master_key_hears_of_every_sign_up_and_login(
    lq_server: Any, sockets: Any
) -> None:
    """``lq serve`` only: Parse Server 9.10 refuses master-key ``_Session`` subscriptions (209)."""
    everyone = await _connect(lq_server, sockets, masterKey=lq_server.master_key)
    assert (await _subscribe(everyone))["op"] == "subscribed"
    carol = await asyncio.to_thread(lq_server.rest.sign_up, f"c{uuid.uuid4().hex[:10]}", "pw")
    op, _, signed = await _next_event(everyone, {carol["objectId"]})
    assert (op, signed["createdWith"]["action"]) == ("create", "signup")
    assert "sessionToken" not in signed
    await asyncio.to_thread(lq_server.rest.log_in, carol["username"], "pw")
    op, _, logged = await _next_event(everyone, {carol["objectId"]})
    assert (op, logged["createdWith"]["action"]) == ("create", "login")


async def test_anonymous_session_subscriptions_are_refused(live_server: Any, sockets: Any) -> None:
    ws = await _connect(live_server, sockets)
    answer = await _subscribe(ws)
    assert (answer["op"], answer["code"]) == ("error", ErrorCode.INVALID_SESSION_TOKEN)
