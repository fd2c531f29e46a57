"""examples/fastapi_fanout.py, run for real: uvicorn, a browser-like client, lq serve.

The app starts and stops with its lifespan; an SSE client and a WebSocket
client each receive the event of an object created through REST; when a
client goes away (the framework cancels its handler), its subscription is
ended on the LiveQuery connection; stopping the app closes the connection.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
import uvicorn
import websockets
from support.lq_server import LqServer
from support.waiting import Deadline

import livequery_cli as lq

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi_fanout.py"


def _load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastapi_fanout", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
async def app_url(lq_server: LqServer, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setenv("PARSE_SERVER_URL", lq_server.rest_url)
    monkeypatch.setenv("PARSE_APP_ID", lq_server.app_id)
    monkeypatch.setenv("PARSE_JS_KEY", lq_server.js_key)
    example = _load_example()
    server = uvicorn.Server(
        uvicorn.Config(example.app, host="127.0.0.1", port=0, lifespan="on", log_level="error")
    )
    serving = asyncio.create_task(server.serve())
    deadline = Deadline(15)
    while not server.started:
        await asyncio.wait_for(asyncio.shield(asyncio.sleep(0.02)), deadline.remaining("uvicorn"))
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 15)
    assert lq.LiveQuery.client is None, "the lifespan must close the LiveQuery connection"


def _live_subscriptions() -> int:
    client = lq.LiveQuery.client
    return 0 if client is None else len(client.subscriptions)


async def _until(predicate: object, what: str) -> None:
    deadline = Deadline(15)
    while not predicate():  # type: ignore[operator]
        await asyncio.wait_for(asyncio.shield(asyncio.sleep(0.02)), deadline.remaining(what))


async def test_sse_clients_get_events_and_leaving_ends_their_subscription(
    app_url: str, lq_server: LqServer, unique_tag: str
) -> None:
    class_name = "Game"
    url = f"http://{app_url}/events/{class_name}"
    async with httpx.AsyncClient(timeout=15) as http, http.stream("GET", url) as response:
        lines = response.aiter_lines()
        assert await anext(lines) == ": subscribed"
        assert _live_subscriptions() == 1
        created = lq_server.rest.create(class_name, {"tag": unique_tag})
        line = await anext(lines)
        while not line.startswith("data: "):
            line = await anext(lines)
        record = json.loads(line.removeprefix("data: "))
        assert (record["op"], record["object"]["objectId"]) == ("create", created["objectId"])
    await _until(lambda: _live_subscriptions() == 0, "the SSE subscription to end")


async def test_websocket_clients_get_events_and_leaving_ends_their_subscription(
    app_url: str, lq_server: LqServer, unique_tag: str
) -> None:
    async with websockets.connect(f"ws://{app_url}/ws/Game") as socket:
        assert json.loads(await socket.recv()) == {"op": "subscribed"}
        created = lq_server.rest.create("Game", {"tag": unique_tag})
        record = json.loads(await asyncio.wait_for(socket.recv(), 15))
        assert (record["op"], record["object"]["objectId"]) == ("create", created["objectId"])
    await _until(lambda: _live_subscriptions() == 0, "the WebSocket subscription to end")
