"""Fuzz ``lq serve``: generated LiveQuery frames and REST requests, bounded in count and time.

A *victim* object readable only by its owner is updated after every generated
example; the fuzzing connection must never receive it (nor its secret text),
and an *observer* (a well-formed master-key subscriber opened before the
fuzzing starts) must receive every one of those updates: the server keeps
serving honest clients while it is being attacked. At the end the server
process is still alive.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from fuzz.strategies import CLIENT_OPS, json_values, plausible_frames, raw_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.lq_server import LqServer
from support.rest_writer import make_acl
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

WAIT_S = 5.0
DRAIN_S = 0.02
SECRET = f"VICTIM-{secrets.token_hex(8)}"
FUZZ_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Victim:
    """A private object, its owner's observer connection, and a counter of updates."""

    def __init__(self, server: LqServer) -> None:
        self.server = server
        owner = server.rest.sign_up(f"v-{secrets.token_hex(6)}", "pw-victim")
        self.tag = f"victim-{secrets.token_hex(6)}"
        acl = make_acl(readers=[owner["objectId"]])
        created = server.rest.create("Secret", {"tag": self.tag, "note": SECRET, "n": 0},
                                     acl=acl, master=True)  # fmt: skip
        self.object_id = created["objectId"]
        self.n = 0
        self._stack = contextlib.ExitStack()
        self.observer = self._stack.enter_context(connect(server.ws_url, open_timeout=WAIT_S))
        self._send(self.observer, {"op": "connect", "applicationId": server.app_id,
                                   "masterKey": server.master_key})  # fmt: skip
        assert self._recv(self.observer)["op"] == "connected"
        self._send(self.observer, {"op": "subscribe", "requestId": 1,
                                   "query": {"className": "Secret", "where": {"tag": self.tag}}})  # fmt: skip  # noqa: E501
        assert self._recv(self.observer)["op"] == "subscribed"

    @staticmethod
    def _send(ws: ClientConnection, frame: dict[str, Any]) -> None:
        ws.send(json.dumps(frame))

    @staticmethod
    def _recv(ws: ClientConnection) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=WAIT_S))
        return frame

    def touch(self) -> None:
        """Update the victim; the observer must get exactly that update."""
        self.n += 1
        self.server.rest.update("Secret", self.object_id, {"n": self.n}, master=True)
        frame = self._recv(self.observer)
        assert frame["op"] == "update", frame
        assert frame["object"]["n"] == self.n, frame

    def close(self) -> None:
        self._stack.close()


@pytest.fixture
def victim(lq_server: LqServer) -> Iterator[Victim]:
    running = Victim(lq_server)
    yield running
    running.close()
    assert lq_server.running, f"lq serve died: {lq_server.log_tail()}"


def _drain(ws: ClientConnection) -> list[str]:
    got: list[str] = []
    with contextlib.suppress(TimeoutError, ConnectionClosed):
        while True:
            message = ws.recv(timeout=DRAIN_S)
            got.append(message if isinstance(message, str) else message.decode("latin-1"))
    return got


def _fuzz_session(
    server: LqServer, victim: Victim, messages: list[str | bytes], hello: bool
) -> None:
    with connect(server.ws_url, open_timeout=WAIT_S, max_size=None) as ws:
        received: list[str] = []
        with contextlib.suppress(ConnectionClosed):
            if hello:
                ws.send(json.dumps({"op": "connect", "applicationId": server.app_id,
                                    "javascriptKey": server.js_key}))  # fmt: skip
            for message in messages:
                ws.send(message)
            received += _drain(ws)
        victim.touch()
        received += _drain(ws)
    for text in received:
        assert SECRET not in text, f"the victim's object leaked: {text[:300]}"
        assert server.master_key not in text


@FUZZ_SETTINGS
@given(messages=st.lists(raw_texts(CLIENT_OPS), min_size=1, max_size=6), hello=st.booleans())
def test_generated_messages_neither_crash_nor_leak(
    lq_server: LqServer, victim: Victim, messages: list[str | bytes], hello: bool
) -> None:
    _fuzz_session(lq_server, victim, messages, hello)


@FUZZ_SETTINGS
@given(frames=st.lists(plausible_frames(CLIENT_OPS), min_size=1, max_size=6))
def test_plausible_subscriptions_on_the_victims_class_never_leak(
    lq_server: LqServer, victim: Victim, frames: list[dict[str, Any]]
) -> None:
    for frame in frames:  # aim at the victim: same class, its tag or anything
        query = frame.get("query")
        if isinstance(query, dict):
            query["className"] = "Secret"
    _fuzz_session(lq_server, victim, [json.dumps(frame) for frame in frames], True)


REST_PATHS = ["classes/Secret", "classes/Game", "classes/_User", "classes/_Session", "users",
              "users/me", "login", "logout", "sessions", "roles", "batch", "schemas",
              "schemas/Secret", "health", "classes/Secret/{id}", "classes/", "../etc/passwd",
              "classes/%00", "functions/x", "config"]  # fmt: skip


@FUZZ_SETTINGS
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=st.one_of(st.sampled_from(REST_PATHS), st.text(max_size=20)),
    body=st.one_of(st.none(), json_values.map(json.dumps), st.binary(max_size=100)),
    params=st.dictionaries(
        st.sampled_from(["where", "keys", "limit", "skip", "order", "include", "count"]),
        st.one_of(json_values.map(json.dumps), st.text(max_size=20)),
        max_size=3,
    ),
    app_id=st.sampled_from(["right", "wrong", "missing"]),
)
def test_generated_rest_requests_neither_crash_nor_leak(
    lq_server: LqServer,
    victim: Victim,
    method: str,
    path: str,
    body: str | bytes | None,
    params: dict[str, str],
    app_id: str,
) -> None:
    path = path.replace("{id}", victim.object_id)
    query = urllib.parse.urlencode(params)
    url = f"{lq_server.rest_url}/{urllib.parse.quote(path, safe='/%')}" + (
        f"?{query}" if query else ""
    )
    headers = {"X-Parse-REST-API-Key": lq_server.js_key, "Content-Type": "application/json"}
    if app_id != "missing":
        headers["X-Parse-Application-Id"] = lq_server.app_id if app_id == "right" else "wrong"
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=WAIT_S) as response:
            status, text = response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode("utf-8", "replace")
    assert status < 500, f"{method} {path} -> {status}: {text[:300]}"
    assert SECRET not in text, f"{method} {path} leaked the victim: {text[:300]}"
    assert lq_server.master_key not in text
    victim.touch()
