"""The server idle-cost benchmark runs end to end against both servers (tiny sizes).

``python -m bench run --smoke --sections idle``: connected clients held for a
short window on `lq serve` and Parse Server 9, then objects written and the
servers restarted. Checks the record and the Markdown it prints, never a
timing or a memory figure: on a shared machine those mean nothing here.
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
RUN_TIMEOUT_S = 150
LQ, PARSE = "lq serve", "Parse Server 9.10.0"


def run_bench(tmp_path: Path, *args: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / "result.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--smoke", "--out", str(out), *args],
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
@pytest.mark.timeout(RUN_TIMEOUT_S + 30)
def test_idle_costs_are_measured_on_both_servers(tmp_path: Path) -> None:
    record, markdown = run_bench(tmp_path, "--sections", "idle")
    idle = record["idle"]
    if idle["problems"]:
        message = f"idle benchmark could not start a server: {idle['problems']}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert set(idle["targets"]) == {LQ, PARSE}
    sizes = idle["sizes"]
    for name, target in idle["targets"].items():
        clients = target["idle"]
        assert clients["ok"], (name, clients)
        assert clients["connections"] == sizes["connections"]
        assert clients["window_s"] >= sizes["window_s"]
        for key in ("cpu_pct", "baseline_cpu_pct", "loadgen_cpu_pct", "kb_per_connection"):
            assert isinstance(clients[key], float | int), (name, key)
        objects = target["objects"]
        assert objects["ok"], (name, objects)
        assert objects["objects"] == sizes["objects"]
        assert objects["rss_written_mb"] > 0
        assert objects["rss_restarted_mb"] > 0
    assert idle["targets"][LQ]["objects"]["db_file_mb"] > 0
    assert "idle CPU, 20 connected subscribed clients" in markdown
    assert "RSS per stored object after a restart" in markdown
    assert "lq serve idle CPU with 20 clients / Parse Server's" in markdown
