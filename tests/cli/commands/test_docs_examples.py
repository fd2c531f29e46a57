"""The exact-output examples of docs/cli.md for ``lq find``/``lq watch``, run as written.

An example whose output is deterministic (no times, no generated ids) is
run against a fresh ``lq serve`` holding the data it shows, and its output
must be the one printed in the docs.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

from support.cli_run import lq

DOCS = Path(__file__).resolve().parents[3] / "docs" / "cli.md"


def _example(command_prefix: str) -> tuple[list[str], str]:
    """The console example starting with ``$ COMMAND_PREFIX``: its argv and its output."""
    text = DOCS.read_text("utf-8")
    match = re.search(
        rf"^\$ ({re.escape(command_prefix)}[^\n]*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL
    )
    assert match is not None, f"no example starting with {command_prefix!r} in {DOCS}"
    command = match.group(1).removesuffix("| cat").strip()
    return shlex.split(command)[1:], match.group(2)


def test_the_watch_once_example(lq_server_factory: Any) -> None:
    server = lq_server_factory()
    for name, score in (("ann", 0), ("bob", 10), ("cid", 20)):
        server.rest.create("Game", {"tag": "demo", "name": name, "score": score})
    argv, expected = _example("lq watch Game --where 'tag = demo'")
    env = {"LQ_SERVER_URL": server.rest_url, "LQ_APP_ID": server.app_id, "LQ_JS_KEY": server.js_key}
    result = lq(*argv, env=env)
    assert result.status == 0, result.stderr
    assert result.stdout == expected
