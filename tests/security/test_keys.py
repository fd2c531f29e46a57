"""Keys are checked at ``connect``, and nothing works before it: raw frames, both servers.

A raw WebSocket (not our client) sends exactly the frames under test, so the
client's own validation cannot hide a server that accepts too much.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from typing import Any

import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

WAIT_S = 10.0
SERVERS = [pytest.param("parse", marks=pytest.mark.parse_server), pytest.param("lq")]


@pytest.fixture(params=SERVERS)
def server(request: pytest.FixtureRequest) -> Any:
    return request.getfixturevalue("parse_server" if request.param == "parse" else "lq_server")


async def _reply(ws: ClientConnection) -> dict[str, Any] | None:
    """The next frame, or None if the server closed the socket instead."""
    try:
        frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT_S))
    except ConnectionClosed:
        return None
    return frame


async def _connect_with(
    server: Any, **fields: Any
) -> tuple[ClientConnection, dict[str, Any] | None]:
    ws = await connect(server.ws_url, open_timeout=WAIT_S)
    frame = {"op": "connect", "applicationId": server.app_id, **fields}
    await ws.send(orjson.dumps({k: v for k, v in frame.items() if v is not None}).decode())
    return ws, await _reply(ws)


def _refused(reply: dict[str, Any] | None) -> bool:
    return reply is None or (reply.get("op") == "error" and reply.get("code") == 4)


async def test_the_right_javascript_key_is_accepted(server: Any) -> None:
    ws, reply = await _connect_with(server, javascriptKey=server.js_key)
    assert reply is not None
    assert reply["op"] == "connected"
    await ws.close()


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"javascriptKey": "wrong-js-key"}, id="wrong-js-key"),
        pytest.param({"masterKey": "wrong-master-key"}, id="wrong-master-key"),
        pytest.param({"javascriptKey": "wrong", "masterKey": "wrong"}, id="both-wrong"),
        pytest.param({}, id="no-key"),
    ],
)
async def test_wrong_keys_are_refused_at_connect(server: Any, fields: dict[str, Any]) -> None:
    ws, reply = await _connect_with(server, **fields)
    assert _refused(reply), reply
    # And the refused socket cannot subscribe either.
    if reply is not None:
        with contextlib.suppress(ConnectionClosed):
            await ws.send(_subscribe(1))
        follow = await _reply(ws)
        assert follow is None or follow.get("op") == "error", follow
    await ws.close()


async def test_a_wrong_application_id_is_refused_by_lq_serve(lq_server: Any) -> None:
    ws, reply = await _connect_with(
        lq_server, applicationId="not-this-app", javascriptKey=lq_server.js_key
    )
    assert _refused(reply), reply
    await ws.close()


async def test_no_subscribe_before_connect(server: Any, unique_tag: str) -> None:
    ws = await connect(server.ws_url, open_timeout=WAIT_S)
    await ws.send(_subscribe(1, unique_tag))
    reply = await _reply(ws)
    assert reply is None or (reply["op"] == "error" and reply["code"] == 2), reply
    if reply is not None:
        # The refused request left nothing behind: a matching write reaches nobody
        # (a bounded wait for a frame that must not come).
        await asyncio.to_thread(server.rest.create, "Game", {"tag": unique_tag}, master=True)
        extra: str | bytes | None = None
        with contextlib.suppress(TimeoutError, ConnectionClosed):
            extra = await asyncio.wait_for(ws.recv(), 1.0)
        assert extra is None, f"a frame for a subscription that was refused: {extra!r}"
    await ws.close()


async def test_a_master_key_connection_is_master_only_with_the_right_key(
    server: Any, unique_tag: str
) -> None:
    """A wrong master key plus the right JS key may connect, but must not read private objects."""
    ws, reply = await _connect_with(
        server, javascriptKey=server.js_key, masterKey="wrong-master-key"
    )
    if reply is not None and reply.get("op") == "connected":
        await ws.send(_subscribe(1, unique_tag))
        assert (await _reply(ws) or {}).get("op") == "subscribed"
        await asyncio.to_thread(
            server.rest.create, "Game", {"tag": unique_tag, "n": 1}, acl={}, master=True
        )
        await asyncio.to_thread(
            server.rest.create, "Game", {"tag": unique_tag, "n": 2}, master=True
        )
        frame = await _reply(ws)
        assert frame is not None
        assert frame["object"]["n"] == 2, frame
    else:
        assert _refused(reply), reply
    await ws.close()


def _subscribe(request_id: int, tag: str = "none") -> str:
    return orjson.dumps(
        {"op": "subscribe", "requestId": request_id,
         "query": {"className": "Game", "where": {"tag": tag}}}
    ).decode()  # fmt: skip


@pytest.mark.parametrize("flag", ["--js-key", "--master-key"])
def test_lq_tail_with_a_wrong_key_exits_4_with_one_line(server: Any, flag: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    env["LQ_CONFIG_DIR"] = os.environ["LQ_CONFIG_DIR"]
    done = subprocess.run(
        [sys.executable, "-m", "livequery_cli", "tail", "Game", "--app-id", server.app_id,
         "--server-url", server.rest_url, flag, "wrong-key-value", "--timeout", "20s"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 4, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("lq: error:")]
    assert len(errors) == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "wrong-key-value" not in done.stderr + done.stdout
