"""The benchmark harness runs end to end with tiny counts and loses nothing.

These run the real command (``python -m bench run --smoke``) as a subprocess
and check the result record it writes: every measured consumer received every
event exactly once, and the record has the fields BENCHMARKS.md is built from.
No timing is asserted: figures from a shared CI machine mean nothing.
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


def assert_lossless(row: dict[str, Any]) -> None:
    summary = {k: v for k, v in row.items() if k != "rss_samples_mb"}
    assert row["ok"], summary
    assert row["loss"] == 0, summary
    assert row["duplicates"] in (None, 0), summary
    assert row["events_per_s"] > 0, summary
    assert row["cpu_s"] > 0, summary
    assert row["maxrss_mb"] > 0, summary


def test_throughput_and_slow_consumer_lose_nothing(tmp_path: Path) -> None:
    record, markdown = run_bench(
        tmp_path, "--sections", "throughput,slow", "--consumers", "raw_json,lq_json,sdk"
    )
    assert record["mode"] == "smoke"
    assert record["machine"]["nproc"] >= 1
    rows = {(r["consumer"], r["sink"]): r for r in record["throughput"]}
    assert set(rows) == {
        ("raw_json", "devnull"),
        ("lq_json", "devnull"),
        ("lq_json", "pipe"),
        ("lq_json", "file"),
        ("sdk", "devnull"),
        ("sdk", "pipe"),
    }
    for key in [
        ("raw_json", "devnull"),
        ("lq_json", "devnull"),
        ("lq_json", "pipe"),
        ("lq_json", "file"),
    ]:
        assert_lossless(rows[key])
    piped = rows[("lq_json", "pipe")]
    assert piped["reader"]["unique"] == piped["events"]
    assert piped["reader"]["missing"] == 0
    sdk_rows = [rows[("sdk", "devnull")], rows[("sdk", "pipe")]]
    if os.environ.get("CI") or not sdk_rows[0]["note"].startswith("skipped"):
        for row in sdk_rows:
            assert_lossless(row)
        assert rows[("lq_json", "pipe")]["vs_sdk"] is not None
    slow = {r["consumer"]: r for r in record["slow_consumer"]}
    assert set(slow) == {"lq_json", "sdk"} or set(slow) == {"lq_json"}
    assert_lossless(slow["lq_json"])
    assert slow["lq_json"]["reader"]["stalls"] == 1
    assert slow["lq_json"]["rss_samples_mb"]
    assert "| lq tail --json | pipe -> reader |" in markdown


def test_latency_and_startup_records_are_complete(tmp_path: Path) -> None:
    record, markdown = run_bench(
        tmp_path, "--sections", "latency,startup", "--consumers", "lq_json,raw_orjson"
    )
    rows = {r["consumer"]: r for r in record["latency"]}
    assert set(rows) == {"lq_json", "raw_orjson"}
    latency, floor = rows["lq_json"], rows["raw_orjson"]
    for row in (latency, floor):
        assert row["loss"] == 0
        assert row["reader"]["latency_samples"] > 0
        assert row["reader"]["latency_us"]["p99"] >= row["reader"]["latency_us"]["p50"] > 0
        # One repetition in a smoke run: the row is it, and lists its p99.
        assert row["reps_p99_us"] == [row["reader"]["latency_us"]["p99"]]
    # Each row carries the floor's median p99 from the same repetitions.
    assert latency["floor"] == "raw_orjson"
    assert latency["floor_p99_us_median"] == floor["p99_us_median"]
    assert "floor p99 µs (same reps)" in markdown
    # Every event of a 0.3 s smoke run is sent within the 0.5 s start window.
    assert latency["reader"]["latency_steady_samples"] == 0
    assert latency["reader"]["latency_start_us"] == latency["reader"]["latency_us"]
    commands = {r["command"]: r for r in record["startup_commands"]}
    assert commands["lq --version"]["runs"] == 2, commands["lq --version"]["note"]
    assert commands["lq --help"]["runs"] == 2, commands["lq --help"]["note"]
    (subscribed,) = record["startup_subscribed"]
    assert subscribed["runs"] == 2, subscribed["note"]


@pytest.mark.parse_server
@pytest.mark.slow
def test_server_suite_runs_against_both_servers(tmp_path: Path) -> None:
    record, markdown = run_bench(tmp_path, "--sections", "server")
    server = record["server"]
    if server["problems"]:
        message = f"server benchmark could not start a server: {server['problems']}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    assert set(server["targets"]) == {"lq serve", "Parse Server 9.10.0"}
    for target in server["targets"].values():
        assert target["idle"]["ok"]
        for row in target["fanout"] + target["distinct"]:
            assert row["ok"], row["note"]
            assert row["loss"] == 0
        assert target["latency"]["loss"] == 0
    assert "distinct subscriptions {slot: i}: server CPU ms per write" in markdown
