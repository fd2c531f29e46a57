"""The official Parse JS SDK (``parse`` 8.6.2 on Node) against ``lq serve``, unchanged.

``tests/node/sdk_against_lq.js`` signs up, logs in, reads ``users/me``,
subscribes with the user's session token, makes every LiveQuery event type
fire, saves a batch, logs out; this test runs it and checks every record.
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
from support.lq_server import LqServer

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
SCRIPT = NODE_DIR / "sdk_against_lq.js"


def _require_node() -> None:
    reason = None
    if shutil.which("node") is None:
        reason = "node is not installed"
    elif not (NODE_DIR / "node_modules" / "parse").is_dir():
        reason = "tests/node/node_modules is missing (run npm ci in tests/node)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def test_parse_js_sdk_signs_up_saves_and_receives_every_event(lq_server_factory: Any) -> None:
    _require_node()
    server: LqServer = lq_server_factory()
    tag = uuid.uuid4().hex[:12]
    result = subprocess.run(
        ["node", str(SCRIPT), "--server-url", server.rest_url, "--ws-url", server.ws_url,
         "--app-id", server.app_id, "--js-key", server.js_key, "--tag", tag],
        cwd=NODE_DIR, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0, (records, result.stderr[-2000:])
    steps = {r["step"]: r for r in records if r["kind"] == "step"}
    assert steps["wrongLogin"]["code"] == 101
    assert steps["findAfterDelete"]["count"] == 0
    assert steps["saveAll"] == {"kind": "step", "step": "saveAll", "saved": 2, "count": 2}
    assert steps["logOut"]["meCode"] == 209
    events = [(r["op"], r["score"], r["original"]) for r in records if r["kind"] == "event"]
    assert events == [
        ("create", 150, None),
        ("update", 160, 150),
        ("leave", 50, 160),
        ("enter", 200, 50),
        ("delete", 200, None),
    ]
    assert records[-1] == {"kind": "done"}
