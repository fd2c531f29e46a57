"""``lq tail`` behind an HTTP proxy: a real proxy process, started by the test.

The WebSocket goes through a ``CONNECT`` tunnel and the REST reads (resync,
session check) through the same proxy; the proxy's credentials never appear
in what ``lq`` prints; ``NO_PROXY`` and ``--proxy ''`` go direct.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from support.cli_run import lq
from support.http_proxy import PASSWORD, HttpProxy
from support.lq_process import LqProcess
from support.lq_server import LqServer

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.transports.interface import websocket_connector


@pytest.fixture
def proxy() -> Iterator[HttpProxy]:
    started = HttpProxy()
    try:
        yield started
    finally:
        started.close()


def _env(server: LqServer) -> dict[str, str]:
    return {
        "LQ_SERVER_URL": server.rest_url,
        "LQ_APP_ID": server.app_id,
        "LQ_JS_KEY": server.js_key,
    }


def _port(server: LqServer) -> int:
    port = urlsplit(server.rest_url).port
    assert port is not None
    return port


def _tail_one_event(server: LqServer, unique_tag: str, env: dict[str, str], *flags: str) -> str:
    proc = LqProcess(
        ["tail", "Game", "--where", f"tag = {unique_tag}", "--json", "--count", "1", *flags],
        env={**_env(server), **env},
    )
    try:
        proc.wait_stderr("subscribed")
        server.rest.create("Game", {"tag": unique_tag, "score": 1})
        [line] = proc.read_stdout(1)
        assert json.loads(line)["object"]["tag"] == unique_tag
        assert proc.wait() == 0
        return "\n".join(proc.stderr_seen + proc.rest_of_stderr())
    finally:
        proc.close()


def test_tail_goes_through_http_proxy_from_the_environment(
    lq_server: LqServer, proxy: HttpProxy, unique_tag: str
) -> None:
    stderr = _tail_one_event(lq_server, unique_tag, {"HTTP_PROXY": proxy.url})
    assert proxy.tunnels_to(_port(lq_server)) >= 2  # the WebSocket and the REST reads
    assert PASSWORD not in stderr


def test_the_proxy_flag_wins_and_no_proxy_goes_direct(
    lq_server: LqServer, proxy: HttpProxy, unique_tag: str
) -> None:
    _tail_one_event(
        lq_server, unique_tag, {"HTTP_PROXY": "http://127.0.0.1:9"}, "--proxy", proxy.url
    )
    through_flag = proxy.tunnels_to(_port(lq_server))
    assert through_flag >= 1
    _tail_one_event(lq_server, unique_tag, {"HTTP_PROXY": proxy.url, "NO_PROXY": "127.0.0.1"})
    assert proxy.tunnels_to(_port(lq_server)) == through_flag


def test_config_show_masks_proxy_credentials() -> None:
    url = f"http://user:{PASSWORD}@proxy.corp:3128"
    for result in (
        lq("config", "show", "--proxy", url),
        lq("config", "show", env={"LQ_PROXY": url}),
    ):
        assert result.status == 0, result.stderr
        assert PASSWORD not in result.stdout + result.stderr
        assert "http://proxy.corp:3128 (with credentials)" in result.stdout


async def test_the_library_connects_through_a_proxy(
    lq_server: LqServer, proxy: HttpProxy, unique_tag: str
) -> None:
    client = LiveQueryClient(
        lq_server.app_id,
        lq_server.ws_url,
        javascript_key=lq_server.js_key,
        connect=websocket_connector(proxy=proxy.url, proxy_env=None),
    )
    try:
        sub = await client.subscribe({"className": "Game", "where": {"tag": unique_tag}})
        lq_server.rest.create("Game", {"tag": unique_tag})
        event = await asyncio.wait_for(anext(aiter(sub)), 30)
    finally:
        await client.close()
    assert event.object["tag"] == unique_tag
    assert proxy.tunnels_to(_port(lq_server)) == 1


async def test_a_proxy_that_refuses_is_a_clear_error_without_credentials(
    lq_server: LqServer, proxy: HttpProxy
) -> None:
    from livequery_cli.client.transports.websocket import open_websocket
    from livequery_cli.exceptions import TransportError

    wrong = proxy.url.replace(PASSWORD, "wrong-password")
    with pytest.raises(TransportError) as caught:
        await open_websocket(lq_server.ws_url, proxy=wrong)
    assert "proxy http://127.0.0.1:" in str(caught.value)
    assert "wrong-password" not in str(caught.value)


def test_find_reads_through_the_proxy(
    lq_server: LqServer, proxy: HttpProxy, unique_tag: str
) -> None:
    lq_server.rest.create("Game", {"tag": unique_tag})
    proc = LqProcess(
        ["find", "Game", "--where", f"tag = {unique_tag}", "--json", "--proxy", proxy.url],
        env=_env(lq_server),
    )
    try:
        [line] = proc.read_stdout(1)
        assert json.loads(line)["object"]["tag"] == unique_tag
        assert proc.wait() == 0
    finally:
        proc.close()
    assert proxy.tunnels_to(_port(lq_server)) >= 1
