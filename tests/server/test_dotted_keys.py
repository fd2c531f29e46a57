"""Dotted keys in writes (``{"o.n": ...}``) against Parse Server 9 and ``lq serve``.

Each case creates an object, sends one update with dotted keys, and checks
the answer and the stored object; the same table holds for both servers.
The LiveQuery test checks that events carry the merged object. Only the
behaviours both servers share are here: where Parse Server on PostgreSQL
answers 500 or stores an operator literally (deeper paths, ``Add`` on a
nested key), ``lq serve`` differs on purpose (docs/serve.md).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
import pytest
from support.raw_rest import call
from websockets.asyncio.client import connect

CLASS = "Room"
FRAME_TIMEOUT = 15.0
BASE: dict[str, Any] = {
    "o": {"n": 1, "k": {"e": 0}},
    "s": "text",
    "num": 3,
    "arr": [1],
    "ptr": {"__type": "Pointer", "className": "Item", "objectId": "xxxxxxxxxx"},
}
MISMATCH = "schema mismatch for Room.{}; expected {} but got Object"


def _stored(body: dict[str, Any]) -> dict[str, Any]:
    """The user fields of a stored object (null fields dropped: Parse omits them on GET)."""
    skip = {"objectId", "createdAt", "updatedAt", "ACL", "ptr", "tag"}
    return {k: v for k, v in body.items() if k not in skip and v is not None}


def _error(code: int, message: str) -> tuple[int, dict[str, Any]]:
    return 400, {"code": code, "error": message}


CASES: list[tuple[str, dict[str, Any], tuple[int, Any], dict[str, Any] | None]] = [
    (
        "increment",
        {"o.n": {"__op": "Increment", "amount": 1}},
        (200, {"o": {"n": 2}}),
        {"o": {"n": 2, "k": {"e": 0}}},
    ),
    (
        "increment by a fraction",
        {"o.n": {"__op": "Increment", "amount": 1.5}},
        (200, {"o": {"n": 2.5}}),
        {"o": {"n": 2.5, "k": {"e": 0}}},
    ),
    (
        "increment a missing sub-key",
        {"o.z": {"__op": "Increment", "amount": 2}},
        (200, {"o": {"z": 2}}),
        {"o": {"n": 1, "z": 2, "k": {"e": 0}}},
    ),
    (
        "two increments in one object",
        {"o.n": {"__op": "Increment", "amount": 1}, "o.z": {"__op": "Increment", "amount": 3}},
        (200, {"o": {"n": 2, "z": 3}}),
        {"o": {"n": 2, "z": 3, "k": {"e": 0}}},
    ),
    ("set", {"o.n": 5}, (200, {}), {"o": {"n": 5, "k": {"e": 0}}}),
    ("set a new sub-key", {"o.m": "x"}, (200, {}), {"o": {"n": 1, "m": "x", "k": {"e": 0}}}),
    (
        "set an object",
        {"o.n": {"a": 1}},
        (200, {}),
        {"o": {"n": {"a": 1}, "k": {"e": 0}}},
    ),
    (
        "set and increment together",
        {"o.n": {"__op": "Increment", "amount": 1}, "o.w": 7},
        (200, {"o": {"n": 2}}),
        {"o": {"n": 2, "w": 7, "k": {"e": 0}}},
    ),
    ("delete", {"o.n": {"__op": "Delete"}}, (200, {}), {"o": {"k": {"e": 0}}}),
    ("sub-key with a dash", {"o.a-b": 1}, (200, {}), {"o": {"n": 1, "a-b": 1, "k": {"e": 0}}}),
    (
        "a level below a number becomes an object",
        {"o.n.x": 1},
        (200, {}),
        {"o": {"n": {"x": 1}, "k": {"e": 0}}},
    ),
    ("missing parent, set", {"p.n": 1}, (200, {}), {"p": {"n": 1}}),
    (
        "missing parent, increment",
        {"q.n": {"__op": "Increment", "amount": 1}},
        (200, {"q": {"n": 1}}),
        {"q": {"n": 1}},
    ),
    (
        "string parent",
        {"s.n": 1},
        _error(111, MISMATCH.format("s", "String")),
        None,
    ),
    (
        "number parent, increment",
        {"num.n": {"__op": "Increment", "amount": 1}},
        _error(111, MISMATCH.format("num", "Number")),
        None,
    ),
    ("array parent", {"arr.n": 1}, _error(111, MISMATCH.format("arr", "Array")), None),
    ("pointer parent", {"ptr.x": 1}, _error(111, MISMATCH.format("ptr", "Pointer<Item>")), None),
    (
        "objectId parent",
        {"objectId.x": 1},
        _error(111, MISMATCH.format("objectId", "String")),
        None,
    ),
    ("ACL parent", {"ACL.x": 1}, _error(111, MISMATCH.format("ACL", "ACL")), None),
    (
        "increment without a number",
        {"o.n": {"__op": "Increment", "amount": "x"}},
        _error(107, "incrementing must provide a number"),
        None,
    ),
    ("leading dot", {".o": 1}, _error(105, "Invalid field name: .o."), None),
    ("className parent", {"className.x": 1}, _error(105, "Invalid field name: className."), None),
    (
        "createdAt parent",
        {"createdAt.x": 1},
        _error(111, MISMATCH.format("createdAt", "Date")),
        None,
    ),
    (
        "authData parent",
        {"authData.x": 1},
        _error(105, "Invalid field name for update: authData.x"),
        None,
    ),
    ("internal parent", {"_x.y": 1}, _error(105, "Invalid field name: _x."), None),
]


@pytest.mark.parametrize(
    ("update", "answer", "stored"),
    [pytest.param(u, a, s, id=name) for name, u, a, s in CASES],
)
def test_dotted_key_update(
    server: Any, update: dict[str, Any], answer: tuple[int, Any], stored: dict[str, Any] | None
) -> None:
    status, made = call(server, "POST", f"classes/{CLASS}", BASE, master=True)
    assert status == 201, made
    object_id = made["objectId"]
    status, body = call(server, "PUT", f"classes/{CLASS}/{object_id}", update, master=True)
    if isinstance(body, dict):
        body.pop("updatedAt", None)
    assert (status, body) == answer
    _, after = call(server, "GET", f"classes/{CLASS}/{object_id}", master=True)
    unchanged = {"o": BASE["o"], "s": "text", "num": 3, "arr": [1]}
    expected = {**unchanged, **(stored or {})}
    assert _stored(after) == expected


def test_dotted_keys_under_user_fields(server: Any) -> None:
    name = f"dk-{uuid.uuid4().hex[:12]}"
    status, user = call(server, "POST", "users", {"username": name, "password": "pw-1"})
    assert status == 201, user
    path, token = f"users/{user['objectId']}", user["sessionToken"]
    answers = {
        key: call(server, "PUT", path, {key: 1}, token=token)
        for key in ("password.x", "username.x", "email.x", "authData.x")
    }
    assert answers == {
        "password.x": _error(
            111, "schema mismatch for _User.password; expected String but got Object"
        ),
        "username.x": _error(
            111, "schema mismatch for _User.username; expected String but got Object"
        ),
        "email.x": _error(111, "schema mismatch for _User.email; expected String but got Object"),
        "authData.x": _error(105, "Invalid field name for update: authData.x"),
    }
    status, _ = call(server, "PUT", path, {"prefs.theme": "dark"}, token=token)
    assert status == 200
    status, me = call(server, "GET", "users/me", token=token)
    assert (status, me.get("prefs")) == (200, {"theme": "dark"})


def test_dotted_keys_on_create(server: Any) -> None:
    body = {"c.n": 1, "c2.m": {"__op": "Increment", "amount": 2}}
    status, made = call(server, "POST", f"classes/{CLASS}", body, master=True)
    assert status == 201, made
    assert {k: v for k, v in made.items() if k not in ("objectId", "createdAt")} == {"c2": {"m": 2}}
    _, got = call(server, "GET", f"classes/{CLASS}/{made['objectId']}", master=True)
    assert _stored(got) == {"c": {"n": 1}, "c2": {"m": 2}}


async def test_live_query_events_carry_the_merged_object(server: Any) -> None:
    tag = uuid.uuid4().hex
    async with connect(server.ws_url) as ws:
        hello = {"op": "connect", "applicationId": server.app_id, "masterKey": server.master_key}
        await ws.send(orjson.dumps(hello).decode())
        assert orjson.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT))["op"] == "connected"
        query = {"className": CLASS, "where": {"tag": tag}}
        await ws.send(orjson.dumps({"op": "subscribe", "requestId": 1, "query": query}).decode())
        answer = orjson.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT))
        assert answer["op"] == "subscribed"

        async def write(method: str, path: str, body: dict[str, Any]) -> Any:
            status, result = await asyncio.to_thread(call, server, method, path, body, master=True)
            assert status in (200, 201), result
            frame = orjson.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT))
            original = frame.get("original") or {}
            return (
                frame["op"],
                {k: frame["object"].get(k) for k in ("o", "p")},
                {k: original.get(k) for k in ("o", "p")} if original else None,
            ), result

        event, made = await write("POST", f"classes/{CLASS}", {"tag": tag, "o": {"n": 1, "k": 2}})
        path = f"classes/{CLASS}/{made['objectId']}"
        events = [event]
        for update in (
            {"o.n": {"__op": "Increment", "amount": 1}},
            {"o.m": 5},
            {"o.k": {"__op": "Delete"}},
            {"p.x": {"__op": "Increment", "amount": 1}},
        ):
            events.append((await write("PUT", path, update))[0])
    assert events == [
        ("create", {"o": {"n": 1, "k": 2}, "p": None}, None),
        ("update", {"o": {"n": 2, "k": 2}, "p": None}, {"o": {"n": 1, "k": 2}, "p": None}),
        ("update", {"o": {"n": 2, "k": 2, "m": 5}, "p": None}, {"o": {"n": 2, "k": 2}, "p": None}),
        ("update", {"o": {"n": 2, "m": 5}, "p": None}, {"o": {"n": 2, "k": 2, "m": 5}, "p": None}),
        ("update", {"o": {"n": 2, "m": 5}, "p": {"x": 1}}, {"o": {"n": 2, "m": 5}, "p": None}),
    ]


def _nested(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = {"a": value}
    return value


def test_nesting_deeper_than_100_levels_is_refused(lq_server: Any) -> None:
    """``lq serve`` only (Parse on PostgreSQL stores any depth): a clear 107, never a 500."""
    status, made = call(lq_server, "POST", f"classes/{CLASS}", {}, master=True)
    assert status == 201, made
    path = f"classes/{CLASS}/{made['objectId']}"
    refused = (400, {"code": 107, "error": "deep is nested deeper than 100 levels"})
    for body in ({"deep": _nested(100)}, {"deep" + ".a" * 100: 1}):
        assert call(lq_server, "PUT", path, body, master=True)[0] == 200
    for body in (
        {"deep": _nested(101)},
        {"deep" + ".a" * 101: 1},
        {"deep.a": _nested(100)},
        {"deep" + ".a" * 300: 1},
        {"deep": {"__op": "Add", "objects": [_nested(100)]}},
    ):
        assert call(lq_server, "PUT", path, body, master=True) == refused
    status, got = call(lq_server, "GET", path, master=True)
    assert (status, got["deep"]) == (200, _nested(100))
