"""The downstream reader: the process at the other end of a consumer's stdout pipe.

It plays the part of `grep`/`jq` in a user's pipeline while measuring what
that pipeline sees: every line read is timestamped (CLOCK_MONOTONIC, the clock
the firehose stamps ``benchSentNs`` with), ``benchSeq`` values are checked off
so loss and duplicates are exact, and the added latency (read time minus send
time) is kept per event. It decodes no JSON: two byte searches per line keep
it from becoming the bottleneck.

``--stall-every K --stall-seconds S --stalls M`` make it a slow consumer: after
every K lines it stops reading for S seconds (M times), so the writer's pipe
fills and backpressure has to reach the firehose.

Latencies are also split by when the event was sent: within the first
``--start-window-ms`` after the first event (the consumer's start: imports,
loads and collections that only happen once) and after it (steady state), so
a start-up hold-back is reported as such, not averaged away or left out.

At EOF it prints one JSON summary line on stdout.
Usage: ``python -m bench.reader --expect N [--warmup W] [--start-window-ms MS] [stall options]``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from bench.events import NS_KEY, SEQ_KEY, find_int


def percentile(sorted_values: list[int], fraction: float) -> int:
    if not sorted_values:
        return 0
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def summarize(latencies_ns: list[int]) -> dict[str, float]:
    """p50/p90/p99/p99.9/max in µs of unsorted ``latencies_ns``."""
    ordered = sorted(latencies_ns)
    return {
        "p50": percentile(ordered, 0.50) / 1000,
        "p90": percentile(ordered, 0.90) / 1000,
        "p99": percentile(ordered, 0.99) / 1000,
        "p999": percentile(ordered, 0.999) / 1000,
        "max": (ordered[-1] if ordered else 0) / 1000,
    }


def read(
    expect: int,
    warmup: int,
    stall_every: int,
    stall_seconds: float,
    stalls: int,
    start_window_ms: float = 500.0,
) -> dict[str, object]:
    seen = bytearray(expect)
    lines = events = duplicates = out_of_range = 0
    latencies: list[int] = []
    sent_at: list[int] = []
    first_ns = last_ns = 0
    next_stall = stall_every if stall_every and stalls else 0
    stalled = 0
    tail = b""
    while True:
        chunk = os.read(0, 1 << 20)
        now = time.monotonic_ns()
        if not chunk:
            break
        if not first_ns:
            first_ns = now
        last_ns = now
        data = tail + chunk
        parts = data.split(b"\n")
        tail = parts.pop()
        for line in parts:
            lines += 1
            seq = find_int(line, SEQ_KEY)
            if seq is None:
                continue
            events += 1
            if not 0 <= seq < expect:
                out_of_range += 1
                continue
            if seen[seq]:
                duplicates += 1
            seen[seq] = 1
            sent = find_int(line, NS_KEY)
            if sent is not None and seq >= warmup:
                latencies.append(now - sent)
                sent_at.append(sent)
        if next_stall and lines >= next_stall:
            time.sleep(stall_seconds)
            stalled += 1
            next_stall = next_stall + stall_every if stalled < stalls else 0
    if tail:
        lines += 1
    start_end = (min(sent_at) if sent_at else 0) + int(start_window_ms * 1e6)
    start = [lat for lat, sent in zip(latencies, sent_at, strict=True) if sent < start_end]
    steady = [lat for lat, sent in zip(latencies, sent_at, strict=True) if sent >= start_end]
    unique = sum(seen)
    return {
        "lines": lines,
        "events": events,
        "unique": unique,
        "missing": expect - unique,
        "duplicates": duplicates,
        "out_of_range": out_of_range,
        "first_ns": first_ns,
        "last_ns": last_ns,
        "stalls": stalled,
        "latency_samples": len(latencies),
        "latency_us": summarize(latencies),
        "start_window_ms": start_window_ms,
        "latency_start_us": summarize(start),
        "latency_steady_us": summarize(steady),
        "latency_steady_samples": len(steady),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--expect", type=int, required=True, help="events the firehose sends")
    parser.add_argument("--warmup", type=int, default=0, help="first seqs left out of latency")
    parser.add_argument(
        "--start-window-ms", type=float, default=500.0, help="split latencies at first send + MS"
    )
    parser.add_argument("--stall-every", type=int, default=0)
    parser.add_argument("--stall-seconds", type=float, default=0.0)
    parser.add_argument("--stalls", type=int, default=0)
    args = parser.parse_args()
    summary = read(
        args.expect,
        args.warmup,
        args.stall_every,
        args.stall_seconds,
        args.stalls,
        args.start_window_ms,
    )
    sys.stdout.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
