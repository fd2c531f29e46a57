"""``python -m bench run [--quick | --smoke] [--only client|server|node]``: the benchmark command.

Runs the client benchmarks (throughput, added latency, slow consumer,
start-up), the server benchmarks (`lq serve` against Parse Server 9) and the
cluster benchmarks (`lq serve --parse-server` against Parse's LiveQuery node),
writes everything to a JSON file under ``bench/results/`` and prints the
Markdown tables that ``BENCHMARKS.md`` records.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from bench import client_suite, codec_floor, machine, report, startup
from bench.catalog import REPO

SECTIONS = ("throughput", "latency", "slow", "startup", "server", "shapes", "idle", "node")
SERVER_SECTIONS = ("server", "shapes", "idle")
CLIENT_SECTIONS = ("throughput", "latency", "slow", "startup")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the benchmarks and write a result file")
    size = run.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller counts, one round")
    size.add_argument("--smoke", action="store_true", help="tiny counts: checks the harness only")
    run.add_argument("--only", choices=("client", "server", "node"), help="one side only")
    run.add_argument("--sections", help="comma-separated subset of: " + ",".join(SECTIONS))
    run.add_argument("--consumers", help="comma-separated consumer keys (default: all)")
    run.add_argument("--out", type=Path, help="result file (default: bench/results/run-<UTC>.json)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = (
        client_suite.SMOKE
        if args.smoke
        else client_suite.QUICK
        if args.quick
        else client_suite.FULL
    )
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    sections = set(args.sections.split(",")) if args.sections else set(SECTIONS)
    if args.only == "client":
        sections &= set(CLIENT_SECTIONS)
    elif args.only == "server":
        sections &= set(SERVER_SECTIONS)
    elif args.only == "node":
        sections &= {"node"}
    unknown = sections - set(SECTIONS)
    if unknown:
        print(f"unknown section(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    only = set(args.consumers.split(",")) if args.consumers else None
    command = "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv)
    result: dict[str, Any] = {"command": command, "mode": mode, "machine": machine.describe()}
    result["sizes"] = sizes.__dict__
    started = time.monotonic()
    if "throughput" in sections:
        log("== throughput")
        result["throughput"] = client_suite.throughput(sizes, only, log)
        result["codec_floor"] = codec_floor.measure(events=sizes.throughput_events)
    if "latency" in sections:
        log("== latency")
        result["latency"] = client_suite.latency(sizes, only, log)
    if "slow" in sections:
        log("== slow consumer")
        result["slow_consumer"] = client_suite.slow_consumer(sizes, only, log)
    if "startup" in sections:
        log("== start-up")
        runs = {"smoke": 2, "quick": 5, "full": 15}[mode]
        result["startup_commands"] = startup.commands(runs, log)
        result["startup_subscribed"] = startup.to_subscribed(runs, only, log)
    if "server" in sections:
        log("== server")
        from bench import server_suite

        result["server"] = server_suite.run(mode, log)
    if "shapes" in sections:
        log("== server shapes")
        from bench import server_shapes

        result["shapes"] = server_shapes.run(mode, log)
    if "idle" in sections:
        log("== server idle costs")
        from bench import server_idle

        result["idle"] = server_idle.run(mode, log)
    if "node" in sections:
        log("== node (lq serve --parse-server vs Parse's LiveQuery node)")
        from bench import node_suite

        result["node"] = node_suite.run(mode, log)
    result["duration_s"] = round(time.monotonic() - started, 1)
    result["machine"]["loadavg_at_end"] = os.getloadavg()
    out = args.out or REPO / "bench" / "results" / (
        "run-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + ".json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(report.markdown(result))
    log(f"result written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
