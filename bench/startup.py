"""Start-up benchmarks, hyperfine-style: repeated runs, mean / median / min / max / stdev.

``lq --version`` and ``lq --help`` are timed spawn-to-exit. "Start ->
subscribed" is the time from spawning a consumer to the firehose receiving its
``subscribe`` frame, for `lq tail`, the library, the raw Python loop and the
JS SDK, so import and connection costs are compared on the same machine.
Interpreter baselines (`python -c pass`, `node -e 0`) show the floor.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from bench import catalog, procs
from bench.harness import Firehose, run_consumer

Log = Callable[[str], None]
WARMUP_RUNS = 1


def _stats(values_ms: list[float]) -> dict[str, Any]:
    if not values_ms:
        return {"runs": 0}
    return {
        "runs": len(values_ms),
        "mean_ms": round(statistics.fmean(values_ms), 1),
        "median_ms": round(statistics.median(values_ms), 1),
        "min_ms": round(min(values_ms), 1),
        "max_ms": round(max(values_ms), 1),
        "stdev_ms": round(statistics.stdev(values_ms), 1) if len(values_ms) > 1 else 0.0,
    }


def _time_command(argv: list[str], runs: int) -> tuple[list[float], str]:
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="lq-bench-") as tmp:
        for i in range(runs + WARMUP_RUNS):
            proc, start_ns = procs.spawn(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=catalog.lq_env(tmp),
                cwd=catalog.REPO,
            )
            measured = procs.wait_measured(proc, start_ns, 60.0)
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            if proc.stderr:
                proc.stderr.close()
            if measured.returncode != 0:
                last = err.strip().splitlines()[-1:] or [f"exit {measured.returncode}"]
                return [], f"failed: {last[0][:200]}"
            if i >= WARMUP_RUNS:
                times.append(measured.wall_s * 1000)
    return times, ""


def commands(runs: int, log: Log) -> list[dict[str, Any]]:
    lq = catalog.lq_binary()
    cases = [
        ("lq --version", [lq, "--version"], True),
        ("lq --help", [lq, "--help"], True),
        ("python -c pass (interpreter floor)", [sys.executable, "-c", "pass"], False),
        ("node -e 0 (interpreter floor)", ["node", "-e", "0"], False),
    ]
    results = []
    for label, argv, needs_lq in cases:
        reason = catalog.check_lq() if needs_lq else None
        if reason is None:
            times, failure = _time_command(argv, runs)
        else:
            times, failure = [], f"skipped: {reason}"
        record = {"command": label, **_stats(times), "note": failure}
        log(f"  startup {label}: {record}")
        results.append(record)
    return results


def to_subscribed(runs: int, only: set[str] | None, log: Log) -> list[dict[str, Any]]:
    results = []
    with Firehose(1) as firehose:
        for key in ("lq_json", "library", "raw_json", "sdk"):
            if only is not None and key not in only:
                continue
            consumer = catalog.ALL[key]
            times: list[float] = []
            note = ""
            for i in range(runs + WARMUP_RUNS):
                run = run_consumer(consumer, "devnull", firehose, timeout_s=60.0)
                if not run.ok or run.startup_to_subscribed_ms is None:
                    note = run.note or "no subscribe seen"
                    break
                if i >= WARMUP_RUNS:
                    times.append(run.startup_to_subscribed_ms)
            record = {"consumer": key, "label": consumer.label, **_stats(times), "note": note}
            log(f"  start->subscribed {key}: {record}")
            results.append(record)
    return results
