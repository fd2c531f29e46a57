"""The notebook recipe of docs/library.md runs as IPython runs a cell: top-level ``await``
compiled with ``PyCF_ALLOW_TOP_LEVEL_AWAIT`` and awaited on the already running loop."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from support.lq_harness import make_config

from livequery_cli.server.app import EmbeddedServer

DOC = Path(__file__).resolve().parents[2] / "docs" / "library.md"


def notebook_cell() -> str:
    text = DOC.read_text()
    section = text[text.index("## In Jupyter") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match is not None
    return match.group(1)


async def test_the_documented_notebook_cell_runs_with_top_level_await(
    capsys: Any,
) -> None:
    server = EmbeddedServer(make_config(js_key=None))  # the cell sends no key
    await server.start()
    try:
        cell = notebook_cell()
        cell = cell.replace('"app"', repr(server.config.app_id))
        cell = cell.replace('"ws://127.0.0.1:1337/parse"', repr(server.live_query_url))
        code = compile(cell, "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
        namespace: dict[str, Any] = {}
        result = eval(code, namespace)
        if result is not None:
            await result
        assert capsys.readouterr().out == "True\n"
        assert namespace["client"].state == "closed"
    finally:
        await server.stop()
