"""Markdown tables from a result record (what `python -m bench run` prints)."""

from __future__ import annotations

from typing import Any

SINKS = {"devnull": "/dev/null", "pipe": "pipe -> reader", "file": "file"}


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _loss(record: dict[str, Any]) -> str:
    return "?" if record.get("loss") is None else str(record["loss"])


def throughput(rows: list[dict[str, Any]]) -> str:
    body = []
    for r in rows:
        n = r["events"] or 1
        per_event = f"{r['cpu_s'] / n * 1e6:.1f}" if r["cpu_s"] else "–"
        ratio = f"{r['vs_sdk']:.2f}x" if r.get("vs_sdk") else "–"
        body.append(
            [
                r["label"],
                SINKS.get(r["sink"], r["sink"]),
                _num(r["events_per_s"]),
                ratio,
                _num(r["cpu_s"], 2),
                per_event,
                _num(r["maxrss_mb"], 1),
                _num(r.get("exit_after_last_line_ms"), 0),
                _loss(r),
                r["note"],
            ]
        )
    return _table(
        [
            "consumer",
            "output",
            "events/s",
            "vs JS SDK",
            "CPU s",
            "CPU µs/event",
            "peak RSS MB",
            "exit after last line ms",
            "loss",
            "note",
        ],
        body,
    )


def ceiling_note(rows: list[dict[str, Any]]) -> str:
    """How far the firehose outruns the fastest real consumer (it must not be the limit)."""
    drain = next((r for r in rows if r["consumer"] == "drain" and r["events_per_s"]), None)
    others = [r for r in rows if r["consumer"] != "drain" and r["events_per_s"]]
    if drain is None or not others:
        return ""
    fastest = max(others, key=lambda r: r["events_per_s"])
    ratio = drain["events_per_s"] / fastest["events_per_s"]
    return (
        f"Firehose ceiling {drain['events_per_s']:,.0f} events/s = {ratio:.1f}x the fastest "
        f"consumer ({fastest['label']}, {fastest['events_per_s']:,.0f}/s)."
    )


def codec_note(floor: dict[str, Any] | None) -> str:
    """The JSON codec's own cost per event (``bench.codec_floor``), and the ceiling it sets."""
    if not floor:
        return ""
    return (
        f"Codec floor (in-process, same frames, mean {floor['mean_frame_bytes']:,} bytes): "
        f"orjson.loads {floor['decode_us']} µs + orjson.dumps {floor['encode_us']} µs per event, "
        f"so one core decoding and re-encoding tops out at "
        f"{floor['ceiling_events_per_s']:,} events/s before any other work."
    )


def latency(rows: list[dict[str, Any]]) -> str:
    """One row per consumer and rate: its median-p99 repetition, next to the floor's."""
    body = []
    for r in rows:
        lat = r.get("reader", {}).get("latency_us", {})
        reps = r.get("reps_p99_us") or []
        floor = r.get("floor_p99_us_median")
        body.append(
            [
                f"{r['rate']:,.0f}/s",
                r["label"],
                _num(lat.get("p50"), 0),
                _num(lat.get("p99"), 0),
                _num(r.get("start_p99_us_median"), 0),
                _num(r.get("steady_p99_us_median"), 0),
                _num(lat.get("max"), 0),
                " / ".join(_num(v, 0) for v in reps),
                "" if r["consumer"] == r.get("floor") else _num(floor, 0),
                _loss(r),
                r["note"],
            ]
        )
    return _table(
        [
            "rate",
            "consumer",
            "p50 µs",
            "p99 µs",
            "p99 first 0.5 s µs",
            "p99 after µs",
            "max µs",
            "p99 per repetition µs",
            "floor p99 µs (same reps)",
            "loss",
            "note",
        ],
        body,
    )


def slow(rows: list[dict[str, Any]]) -> str:
    body = []
    for r in rows:
        stall = r["stall"]
        body.append(
            [
                r["label"],
                f"{r['events']:,}",
                f"{stall['count']} x {stall['seconds']} s",
                _num(r.get("rss_median_sampled_mb"), 1),
                _num(r.get("rss_peak_sampled_mb"), 1),
                _num(r["maxrss_mb"], 1),
                _num(r["firehose_blocked_s"], 1),
                _loss(r),
                r["note"],
            ]
        )
    return _table(
        [
            "consumer (-> stalling reader)",
            "events",
            "stalls",
            "median RSS MB",
            "peak RSS MB",
            "ru_maxrss MB",
            "firehose blocked s",
            "loss",
            "note",
        ],
        body,
    )


def _startup_row(label: str, r: dict[str, Any]) -> list[Any]:
    return [
        label,
        r.get("runs", 0),
        _num(r.get("mean_ms"), 1),
        _num(r.get("median_ms"), 1),
        _num(r.get("min_ms"), 1),
        _num(r.get("max_ms"), 1),
        _num(r.get("stdev_ms"), 1),
        r.get("note", ""),
    ]


def startup(commands: list[dict[str, Any]], subscribed: list[dict[str, Any]]) -> str:
    headers = ["what", "runs", "mean ms", "median ms", "min ms", "max ms", "stdev ms", "note"]
    rows = [_startup_row(r["command"], r) for r in commands]
    rows += [_startup_row(f"start -> subscribed: {r['label']}", r) for r in subscribed]
    return _table(headers, rows)


def _load(values: list[float] | None) -> str:
    return " / ".join(f"{x:.2f}" for x in values) if values else "–"


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    parts = [
        f"Command: `{result['command']}` ({result['mode']}), {m['date_utc']}",
        f"Machine: {m['nproc']} x {m['cpu_model']}, Linux {m['kernel']}, Python {m['python']}, "
        f"node {m['node']}, load average at start {_load(m.get('loadavg_at_start'))}, "
        f"at end {_load(m.get('loadavg_at_end'))}",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
    ]
    if "throughput" in result:
        parts += [
            "",
            f"### Throughput ({result['sizes']['throughput_events']:,} events, "
            f"median of {result['sizes']['rounds']} rounds)",
            "",
            throughput(result["throughput"]),
            "",
            ceiling_note(result["throughput"]),
            codec_note(result.get("codec_floor")),
        ]
    if "latency" in result:
        parts += [
            "",
            "### Added latency (firehose send -> line read by a downstream process)",
            "",
            "Each row is the repetition with the median p99 (every repetition's p99 listed); "
            "the floor is the Python websockets + orjson loop's median p99 over the same "
            "repetitions.",
            "",
            latency(result["latency"]),
        ]
    if "slow_consumer" in result:
        parts += [
            "",
            "### Slow consumer (reader stalls; backpressure must hold memory flat)",
            "",
            slow(result["slow_consumer"]),
        ]
    if "startup_commands" in result:
        parts += [
            "",
            "### Start-up",
            "",
            startup(result["startup_commands"], result["startup_subscribed"]),
        ]
    if "server" in result:
        from bench import server_report

        parts += ["", server_report.markdown(result["server"])]
    if "shapes" in result:
        from bench import server_shapes

        parts += ["", server_shapes.markdown(result["shapes"])]
    if "idle" in result:
        from bench import server_idle_report

        parts += ["", server_idle_report.markdown(result["idle"])]
    if "node" in result:
        from bench import node_report

        parts += ["", node_report.markdown(result["node"])]
    from bench import targets

    summary = targets.markdown(result)
    if summary:
        parts += ["", "### Targets", "", summary]
    return "\n".join(parts)
