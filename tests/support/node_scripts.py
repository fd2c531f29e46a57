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


def run_node_script(
    script: str, server: Any, *, with_master_key: bool = False
) -> list[dict[str, Any]]:
    """Run a ``tests/node`` script against a rig server; its NDJSON records (exit 0 asserted).

    ``with_master_key`` hands the script the master key through the environment
    (``--master-key-env``), never on its command line.
    """
    reason = None
    if shutil.which("node") is None:
        reason = "node is not installed"
    elif not (NODE_DIR / "node_modules" / "parse").is_dir():
        reason = "tests/node/node_modules is missing (run npm ci in tests/node)"
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    command = [
        "node", str(NODE_DIR / script), "--server-url", server.rest_url, "--ws-url", server.ws_url,
        "--app-id", server.app_id, "--js-key", server.js_key, "--tag", uuid.uuid4().hex[:16],
    ]  # fmt: skip
    env = dict(os.environ)
    if with_master_key:
        command += ["--master-key-env", "LQ_TEST_MASTER_KEY"]
        env["LQ_TEST_MASTER_KEY"] = server.master_key
    result = subprocess.run(
        command, cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=90, check=False
    )
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0, (records, result.stderr[-2000:])
    return records
