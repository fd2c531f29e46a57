"""The soak command runs end to end, briefly, and accounts for every write.

It runs the real command (``python -m bench.soak``) for a few seconds at a
low rate with a small live set, so the mix reaches its steady state (creates,
updates and deletes) and at least one cut happens, then checks the summary
it writes: every write accounted for, every cut resynced. No timing is
asserted.
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


def run_soak(tmp_path: Path, target: str) -> dict[str, Any]:
    out = tmp_path / "soak.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    argv = [sys.executable, "-m", "bench.soak", "--target", target, "--duration", "6",
            "--rate", "200", "--live-set", "100", "--cut-every", "2.5", "--report-every", "2",
            "--json", str(out)]  # fmt: skip
    done = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, timeout=RUN_TIMEOUT_S, check=False
    )
    stdout = done.stdout.decode(errors="replace")
    assert out.exists(), done.stderr.decode(errors="replace")[-2000:]
    (summary,) = json.loads(out.read_text())
    printed = json.loads(stdout.strip().splitlines()[-1])
    assert printed["sent"] == summary["sent"]
    assert done.returncode == (0 if summary["ok"] else 1), stdout[-2000:]
    return dict(summary)


def assert_accounted(summary: dict[str, Any]) -> None:
    brief = {k: v for k, v in summary.items() if k != "rss_kb"}
    assert summary["ok"], brief
    assert summary["error"] is None, brief
    assert summary["cuts"] >= 1, brief
    assert summary["cuts_resynced"] == summary["cuts"], brief
    assert summary["unrecovered"] == 0, brief
    assert summary["lost_outside_cut_windows"] == 0, brief
    assert summary["synthetic_leaves_without_delete"] == 0, brief
    assert summary["received_live"] > 0, brief
    assert summary["write_errors"] == 0, brief
    accounted = (
        summary["received_live"] - summary["duplicates"]
        + summary["recovered_by_resync"] + summary["vanished_in_cut_windows"]
    )  # fmt: skip
    assert accounted == summary["sent"], brief
    by_op = summary["sent_by_op"]
    assert by_op["update"] > 0, brief
    assert by_op["delete"] > 0, brief
    assert summary["rss_kb"], brief


def test_soak_against_lq_serve_accounts_for_every_write(tmp_path: Path) -> None:
    assert_accounted(run_soak(tmp_path, "lq"))


@pytest.mark.parse_server
@pytest.mark.slow
def test_soak_against_parse_server_accounts_for_every_write(tmp_path: Path) -> None:
    from support.parse_server import node_unavailable_reason

    reason = node_unavailable_reason()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert_accounted(run_soak(tmp_path, "parse"))
