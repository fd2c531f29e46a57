"""Client-side benchmarks: throughput, added latency and the slow consumer.

Every consumer runs against the same firehose process in the same run, and
rounds interleave the consumers (A B C, A B C, ...) so a burst of load from
elsewhere on a shared machine hits all of them rather than one. The figure
kept per row is the median round by events/s.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import catalog
from bench.harness import Firehose, ReaderOptions, Run, run_consumer

Log = Callable[[str], None]

# (consumer, sink) rows of the throughput table, in display order.
THROUGHPUT_ROWS = (
    ("drain", "devnull"),
    ("ws_recv", "devnull"),
    ("sdk", "devnull"),
    ("sdk", "pipe"),
    ("raw_json", "devnull"),
    ("raw_orjson", "devnull"),
    ("raw_orjson", "pipe"),
    ("lq_json", "devnull"),
    ("lq_json", "pipe"),
    ("lq_json", "file"),  # the same sink as pretty output, for the pretty / --json ratio
    ("lq_pretty", "file"),
    ("library", "devnull"),
)
LATENCY_CONSUMERS = ("sdk", "raw_json", "raw_orjson", "lq_json", "library")
LATENCY_FLOOR = "raw_orjson"
"""The Python loop every latency row is shown next to (its median p99 from the same repetitions)."""
SLOW_CONSUMERS = ("lq_json", "sdk", "raw_orjson")


@dataclass(frozen=True)
class Sizes:
    throughput_events: int
    rounds: int
    latency_rates: tuple[int, ...]
    latency_seconds: float
    slow_events: int
    slow_stall_seconds: float
    slow_stalls: int
    timeout_s: float
    latency_repetitions: int = 1


FULL = Sizes(100_000, 3, (1_000, 10_000), 5.0, 200_000, 3.0, 2, 180.0, 5)
QUICK = Sizes(20_000, 1, (1_000, 10_000), 1.5, 40_000, 1.0, 1, 120.0, 3)
# More events than the firehose has templates (1,000): objects then repeat with
# the same ``updatedAt``, which a consumer must still print every time.
SMOKE = Sizes(2_500, 1, (1_000,), 0.3, 600, 0.2, 1, 60.0, 1)


def _median_run(runs: list[Run]) -> Run:
    good = [r for r in runs if r.ok]
    if not good:
        return runs[-1]
    good.sort(key=lambda r: r.events_per_s)
    return good[(len(good) - 1) // 2]


def throughput(sizes: Sizes, only: set[str] | None, log: Log) -> list[dict[str, Any]]:
    rows = [(c, s) for c, s in THROUGHPUT_ROWS if only is None or c in only]
    runs: dict[tuple[str, str], list[Run]] = {row: [] for row in rows}
    with Firehose(sizes.throughput_events) as firehose:
        for round_no in range(1, sizes.rounds + 1):
            for key, sink in rows:
                run = run_consumer(catalog.ALL[key], sink, firehose, timeout_s=sizes.timeout_s)
                runs[(key, sink)].append(run)
                log(f"  throughput round {round_no}: {key} -> {sink}: {_brief(run)}")
    results = []
    for (key, _sink), group in runs.items():
        best = _median_run(group)
        record = best.as_record()
        record.pop("rss_samples_mb")
        record["label"] = catalog.ALL[key].label
        record["rounds_events_per_s"] = [r.events_per_s for r in group]
        record["all_ok"] = all(r.ok for r in group)
        results.append(record)
    _add_ratios(results)
    return results


def _add_ratios(results: list[dict[str, Any]]) -> None:
    """Ratio of events/s to the JS SDK with the same sink (else the SDK to /dev/null)."""
    sdk = {r["sink"]: r for r in results if r["consumer"] == "sdk" and r["events_per_s"]}
    for r in results:
        peer = sdk.get(r["sink"]) or sdk.get("devnull")
        if peer and r["events_per_s"]:
            r["vs_sdk"] = round(r["events_per_s"] / peer["events_per_s"], 2)
            r["vs_sdk_sink"] = peer["sink"]
        else:
            r["vs_sdk"] = None


def latency(sizes: Sizes, only: set[str] | None, log: Log) -> list[dict[str, Any]]:
    """Added latency per consumer and rate: the median of interleaved repetitions.

    On a shared machine one unlucky scheduling stall decides a run's p99, so
    each rate runs every consumer ``latency_repetitions`` times (A B C, A B C,
    ...) and a row keeps the repetition with the median p99, its every
    repetition's p99, and the Python floor's (``LATENCY_FLOOR``) median p99
    from the same repetitions: a consumer slower than the floor in most
    repetitions is slow, a bad repetition for both is the machine. The start
    (first 0.5 s after the first frame) and the steady state are reported
    apart, both over every event after the warm-up.
    """
    results = []
    keys = [k for k in LATENCY_CONSUMERS if only is None or k in only]
    for rate in sizes.latency_rates:
        n = max(50, int(rate * sizes.latency_seconds))
        warmup = max(20, n // 20)
        runs: dict[str, list[Run]] = {key: [] for key in keys}
        with Firehose(n, rate=rate) as firehose:
            for rep in range(1, sizes.latency_repetitions + 1):
                for key in keys:
                    run = run_consumer(
                        catalog.ALL[key],
                        "pipe",
                        firehose,
                        timeout_s=sizes.timeout_s,
                        reader_options=ReaderOptions(warmup=warmup),
                    )
                    runs[key].append(run)
                    lat = run.reader.get("latency_us", {})
                    steady = run.reader.get("latency_steady_us", {})
                    log(
                        f"  latency {rate}/s rep {rep}: {key}: {_brief(run)} "
                        f"p50={lat.get('p50')} p99={lat.get('p99')} "
                        f"steady p99={steady.get('p99')} max={lat.get('max')}"
                    )
        rows = [_latency_record(key, group, warmup) for key, group in runs.items()]
        floor = next((r for r in rows if r["consumer"] == LATENCY_FLOOR), None)
        for row in rows:
            row["floor"] = LATENCY_FLOOR if floor else None
            row["floor_p99_us_median"] = floor["p99_us_median"] if floor else None
            row["floor_reps_p99_us"] = floor["reps_p99_us"] if floor else None
        results.extend(rows)
    return results


def _p99(run: Run, part: str = "latency_us") -> float | None:
    value = run.reader.get(part, {}).get("p99")
    return float(value) if run.ok and value is not None else None


def _latency_record(key: str, group: list[Run], warmup: int) -> dict[str, Any]:
    """The repetition with the median p99 (the worst, if any failed), and every p99."""
    good = sorted((r for r in group if _p99(r) is not None), key=lambda r: _p99(r) or 0.0)
    chosen = good[(len(good) - 1) // 2] if len(good) == len(group) and good else group[-1]
    for failed in group:
        if not failed.ok:
            chosen = failed
    record = chosen.as_record()
    record.pop("rss_samples_mb")
    record["label"] = catalog.ALL[key].label
    record["warmup_events"] = warmup
    record["repetitions"] = len(group)
    record["reps_p99_us"] = [_p99(r) for r in group]
    record["reps_steady_p99_us"] = [_p99(r, "latency_steady_us") for r in group]
    record["reps_start_p99_us"] = [_p99(r, "latency_start_us") for r in group]
    record["p99_us_median"] = _median_or_none(record["reps_p99_us"])
    record["steady_p99_us_median"] = _median_or_none(record["reps_steady_p99_us"])
    record["start_p99_us_median"] = _median_or_none(record["reps_start_p99_us"])
    record["all_ok"] = all(r.ok for r in group)
    return record


def _median_or_none(values: list[float | None]) -> float | None:
    """The median, or None when any repetition has no figure (a failed run is not skipped)."""
    if not values or any(v is None for v in values):
        return None
    return float(statistics.median(v for v in values if v is not None))


def slow_consumer(sizes: Sizes, only: set[str] | None, log: Log) -> list[dict[str, Any]]:
    """A reader that stops reading for seconds at a time while the firehose pushes flat out.

    Memory is bounded when backpressure reaches the socket: the firehose then
    reports time blocked in sendall, and the consumer's RSS stays near its
    fast-run peak instead of growing with the backlog.
    """
    n = sizes.slow_events
    stall_every = max(1, n // (sizes.slow_stalls + 2))
    options = ReaderOptions(
        stall_every=stall_every, stall_seconds=sizes.slow_stall_seconds, stalls=sizes.slow_stalls
    )
    results = []
    with Firehose(n) as firehose:
        for key in SLOW_CONSUMERS:
            if only is not None and key not in only:
                continue
            run = run_consumer(
                catalog.ALL[key],
                "pipe",
                firehose,
                timeout_s=sizes.timeout_s,
                reader_options=options,
                sample_rss_every_s=0.05,
            )
            samples = [mb for _, mb in run.rss_samples_mb]
            record = run.as_record()
            record["label"] = catalog.ALL[key].label
            record["rss_peak_sampled_mb"] = max(samples) if samples else None
            record["rss_median_sampled_mb"] = statistics.median(samples) if samples else None
            record["rss_samples_mb"] = run.rss_samples_mb[:: max(1, len(samples) // 60)]
            record["stall"] = {
                "every": stall_every,
                "seconds": sizes.slow_stall_seconds,
                "count": sizes.slow_stalls,
            }
            log(f"  slow consumer: {key}: {_brief(run)} blocked={run.firehose_blocked_s}s")
            results.append(record)
    return results


def _brief(run: Run) -> str:
    if not run.ok:
        return f"FAILED ({run.note})" if not run.note.startswith("skipped") else run.note
    return f"{run.events_per_s:,.0f} ev/s cpu={run.cpu_s:.2f}s rss={run.maxrss_mb}MB"
