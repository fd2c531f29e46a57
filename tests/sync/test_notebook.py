"""The notebook recipe of docs/library.md runs as IPython runs a cell: top-level ``await``
compiled with ``PyCF_ALLOW_TOP_LEVEL_AWAIT`` and awaited on the already running loop."""

from __future__ import annotations

import ast
import asyncio
import re
import time
from pathlib import Path
from typing import Any

import aiohttp
from support.lq_harness import Rest, make_config

import livequery_cli as lq
import livequery_cli.client.standard as standard
from livequery_cli.server.app import EmbeddedServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"
WAIT = 10.0


def notebook_cell() -> str:
    """The ```python block with a top-level ``await`` in the notebook section."""
    text = DOC.read_text()
    section = text[text.index("In Jupyter") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    assert re.search(r"^await ", match.group(1), re.M)
    return match.group(1)


async def test_the_documented_notebook_cell_runs_with_top_level_await(capsys: Any) -> None:
    server = EmbeddedServer(make_config(js_key=None))  # the cell sends no key
    await server.start()
    saved = standard._config
    try:
        cell = notebook_cell()
        cell = cell.replace('"http://127.0.0.1:1337/parse"', repr(server.rest_url))
        cell = cell.replace('"app"', repr(server.config.app_id))
        code = compile(cell, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        namespace: dict[str, Any] = {}
        running = asyncio.ensure_future(eval(code, namespace))
        deadline = time.monotonic() + WAIT
        # ``sub`` is bound once ``subscribe()`` returned, i.e. on ``subscribed``: a
        # write before that could precede the server's subscription and be missed.
        while "sub" not in namespace:
            assert time.monotonic() < deadline, "the cell did not subscribe"
            assert not running.done(), running
            await asyncio.sleep(0.01)
        async with aiohttp.ClientSession() as http:
            rest = Rest(http, server.rest_url, server.config.master_key)
            made = await rest.create("Game", {"score": 200})
        await asyncio.wait_for(running, WAIT)
        assert capsys.readouterr().out == f"create {made['objectId']}\n"
        assert namespace["sub"].closed
        assert lq.LiveQuery.client is None
    finally:
        await lq.LiveQuery.close()
        standard._config = saved
        await server.stop()
