"""examples/fastapi_fanout.py against ``lq serve``: SSE and WebSocket fan-out, started and
stopped with the app's lifespan, and a browser that leaves is unsubscribed."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import orjson
import pytest
from support.lq_server import LqServer

import livequery_cli as lq
import livequery_cli.client.standard as standard

uvicorn = pytest.importorskip("uvicorn")

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi_fanout.py"
WAIT = 15.0


def load_example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fastapi_fanout", EXAMPLE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fastapi_fanout"] = module
    spec.loader.exec_module(module)
    return module


async def until(predicate: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def live_subscriptions() -> int:
    client = lq.LiveQuery.client
    return 0 if client is None else len(client.subscriptions)


@pytest.fixture
async def app_url(lq_server: LqServer, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setenv("PARSE_SERVER_URL", lq_server.rest_url)
    monkeypatch.setenv("PARSE_APP_ID", lq_server.app_id)
    monkeypatch.setenv("PARSE_JS_KEY", lq_server.js_key)
    saved = standard._config
    module = load_example()
    config = uvicorn.Config(module.app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.ensure_future(server.serve())
    try:
        await until(lambda: server.started or serving.done(), "the app to start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, WAIT)
        sys.modules.pop("fastapi_fanout", None)
        standard._config = saved
    assert lq.LiveQuery.client is None  # the lifespan closed the shared connection


async def create(server: LqServer, tag: str) -> dict[str, Any]:
    return await asyncio.to_thread(server.rest.create, "Game", {"tag": tag})


async def test_server_sent_events_reach_the_browser_and_leaving_unsubscribes(
    app_url: str, lq_server: LqServer, unique_tag: str
) -> None:
    async with aiohttp.ClientSession() as http:
        response = await http.get(f"{app_url}/events/Game")
        assert response.headers["content-type"].startswith("text/event-stream")
        assert await asyncio.wait_for(response.content.readline(), WAIT) == b": subscribed\n"
        await asyncio.wait_for(response.content.readline(), WAIT)
        assert live_subscriptions() == 1
        made = await create(lq_server, unique_tag)
        event_line = await asyncio.wait_for(response.content.readline(), WAIT)
        data_line = await asyncio.wait_for(response.content.readline(), WAIT)
        assert event_line == b"event: create\n"
        assert (
            orjson.loads(data_line.removeprefix(b"data: "))["object"]["objectId"]
            == (made["objectId"])
        )
        response.close()  # the browser leaves
    # The next event finds the stream gone: the subscription ends with it.
    await create(lq_server, unique_tag)
    await until(lambda: live_subscriptions() == 0, "the SSE subscription to end")


async def test_websocket_fan_out_and_a_disconnect_unsubscribes_at_once(
    app_url: str, lq_server: LqServer, unique_tag: str
) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(f"{app_url.replace('http', 'ws')}/ws/Game")
        assert (await ws.receive(timeout=WAIT)).data == '{"op":"subscribed"}'
        others = [await http.ws_connect(f"{app_url.replace('http', 'ws')}/ws/Game") for _ in "ab"]
        for other in others:
            await other.receive(timeout=WAIT)
        assert live_subscriptions() == 3
        made = await create(lq_server, unique_tag)
        for socket in (ws, *others):
            message = orjson.loads((await socket.receive(timeout=WAIT)).data)
            assert message["op"] == "create"
            assert message["object"]["objectId"] == made["objectId"]
        await ws.close()
        await until(lambda: live_subscriptions() == 2, "the WebSocket's subscription to end")
        for other in others:
            await other.close()
    await until(lambda: live_subscriptions() == 0, "every subscription to end")
