"""The server-shapes benchmark runs end to end with tiny counts and loses nothing.

``python -m bench run --smoke --sections shapes`` against both servers: one
query per connection (equality, regex prefix, ranges) and fan-out over two
load-generator processes. Only the harness and zero loss are asserted, never
timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 100


def run_shapes(tmp_path: Path) -> tuple[dict[str, Any], str]:
    out = tmp_path / "result.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "run",
            "--smoke",
            "--sections",
            "shapes",
            "--out",
            str(out),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=RUN_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    record: dict[str, Any] = json.loads(out.read_text())
    return record, done.stdout.decode()


@pytest.mark.parse_server
@pytest.mark.slow
def test_server_shapes_run_against_both_servers_without_loss(tmp_path: Path) -> None:
    record, markdown = run_shapes(tmp_path)
    shapes = record["shapes"]
    if shapes["problems"]:
        message = f"server shapes could not start a server: {shapes['problems']}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert set(shapes["targets"]) == {"lq serve", "Parse Server 9.10.0"}
    for target in shapes["targets"].values():
        rows = {row["shape"]: row for row in target["shapes"]}
        assert set(rows) == {"none", "distinct", "regex", "range"}
        for row in rows.values():
            assert row["ok"], row["note"]
            assert row["loss"] == 0
            assert row["cpu_ms_per_write"] >= 0
        for shape in ("distinct", "regex", "range"):
            assert rows[shape]["received"] == rows[shape]["writes"]
            assert "idle_cpu_ms_per_s" in rows[shape]
        (fanout,) = target["fanout"]
        assert fanout["ok"], fanout["note"]
        assert fanout["loss"] == 0
        assert fanout["received"] == fanout["clients"] * fanout["writes"]
        assert fanout["load_processes"] == 2
        assert fanout["load_cpu_s"] >= 0
    assert "connections x 1 query" in markdown
    assert "load processes): events/s" in markdown
