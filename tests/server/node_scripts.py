"""Run a ``tests/node`` script against a rig server (Parse Server or ``lq serve``).

The scripts drive the official Parse JS SDK and print NDJSON records; tests
compare the records between servers or against expected ones. Without Node
the tests are skipped locally and fail under CI.
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
