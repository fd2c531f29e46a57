"""``lq demo``: runs to completion with --duration and shows a game crossing score 100."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_demo_runs_for_its_duration_and_tails_score_over_100() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    result = subprocess.run(
        [sys.executable, "-m", "livequery_cli", "demo", "--duration", "3s",
         "--interval", "0.03", "--seed", "7", "--json", "-q"],
        capture_output=True, text=True, timeout=60, env=env, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    ops = {event["op"] for event in events}
    assert {"create", "update", "enter", "leave"} <= ops
    for event in events:
        assert event["class"] == "Game"
        score = event["object"]["score"]
        if event["op"] in ("create", "update", "enter"):
            assert score > 100, event
        elif event["op"] == "leave":
            assert score <= 100, event
    assert "Traceback" not in result.stderr
