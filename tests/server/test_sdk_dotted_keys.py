"""The official Parse JS SDK's nested-field calls (``increment('o.n')``...) on both servers.

``tests/node/sdk_dotted_keys.js`` makes each nested change through the SDK,
saves, fetches, and records the LiveQuery event; Parse Server 9 and
``lq serve`` must give the same records.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

NODE_DIR = Path(__file__).resolve().parent.parent / "node"


def run_node_script(script: str, server: Any) -> list[dict[str, Any]]:
    """Run a ``tests/node`` script against a rig server; its NDJSON records (exit 0 asserted)."""
    reason = None
    if shutil.which("node") is None:
        reason = "node is not installed"
    elif not (NODE_DIR / "node_modules" / "parse").is_dir():
        reason = "tests/node/node_modules is missing (run npm ci in tests/node)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    result = subprocess.run(
        ["node", str(NODE_DIR / script), "--server-url", server.rest_url, "--ws-url", server.ws_url,
         "--app-id", server.app_id, "--js-key", server.js_key, "--tag", uuid.uuid4().hex],
        cwd=NODE_DIR, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0, (records, result.stderr[-2000:])
    return records


def test_sdk_nested_increment_set_unset(server: Any) -> None:
    records = run_node_script("sdk_dotted_keys.js", server)
    assert records == [
        {"kind": "event", "op": "create", "o": {"n": 1, "k": 2}, "original": None},
        *_step("increment", {"n": 2, "k": 2}, {"n": 1, "k": 2}),
        *_step("increment by 5", {"n": 7, "k": 2}, {"n": 2, "k": 2}),
        *_step("set", {"n": 7, "k": 2, "m": "x"}, {"n": 7, "k": 2}),
        *_step("unset", {"n": 7, "m": "x"}, {"n": 7, "k": 2, "m": "x"}),
        *_step("increment a new key", {"n": 7, "m": "x", "z": 2}, {"n": 7, "m": "x"}),
        *_step("decrement", {"n": 7, "m": "x", "z": 1}, {"n": 7, "m": "x", "z": 2}),
        {"kind": "done"},
    ]


def _step(name: str, after: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"kind": "step", "step": name, "saved": after, "fetched": after},
        {"kind": "event", "step": name, "op": "update", "o": after, "original": before},
    ]
