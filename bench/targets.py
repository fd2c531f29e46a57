"""Issue 6's targets checked against one result record: measured value, target, met or not.

The absolute targets (events/s, ms) were set on a faster machine than some
that run this; the ratios to the peer measured in the same run (JS SDK,
Parse Server) are the portable ones, so both are listed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bench.report import _table

Row = list[Any]


def _find(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    for row in rows:
        if all(row.get(k) == v for k, v in match.items()):
            return row
    return None


def _check(
    label: str, value: float | None, goal: str, ok: Callable[[float], bool], unit: str
) -> Row:
    if value is None:
        return [label, "not measured", goal, "–"]
    shown = f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
    return [label, shown + unit, goal, "yes" if ok(value) else "**no**"]


def _ratio_rows(throughput: list[dict[str, Any]]) -> list[Row]:
    """Issue 18's client ratios: ``lq tail --json`` to the raw loop with the same sink,
    and pretty output to ``--json``, both to a file."""
    rows: list[Row] = []
    for sink, where in (("devnull", "/dev/null"), ("pipe", "pipe")):
        lq = _find(throughput, consumer="lq_json", sink=sink)
        raw = _find(throughput, consumer="raw_orjson", sink=sink)
        if lq and raw and lq["events_per_s"] and raw["events_per_s"]:
            ratio = lq["events_per_s"] / raw["events_per_s"]
            rows.append(
                _check(
                    f"lq tail --json / websockets + orjson loop ({where})",
                    ratio,
                    ">= 1.0x",
                    lambda v: v >= 1.0,
                    "x",
                )
            )
    pretty = _find(throughput, consumer="lq_pretty")
    json_sink = "file"
    json_row = _find(throughput, consumer="lq_json", sink="file")
    if json_row is None:  # a record from before the file row existed
        json_sink = "/dev/null"
        json_row = _find(throughput, consumer="lq_json", sink="devnull")
    if pretty and json_row and pretty["events_per_s"] and json_row["events_per_s"]:
        rows.append(
            _check(
                f"lq tail pretty (file) / lq tail --json ({json_sink})",
                pretty["events_per_s"] / json_row["events_per_s"],
                ">= 0.9x",
                lambda v: v >= 0.9,
                "x",
            )
        )
    return rows


def _client_rows(result: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    throughput = result.get("throughput", [])
    for sink in ("devnull", "pipe"):
        lq = _find(throughput, consumer="lq_json", sink=sink)
        where = "/dev/null" if sink == "devnull" else "pipe"
        if lq:
            rows.append(
                _check(
                    f"lq tail --json events/s ({where})",
                    lq["events_per_s"] or None,
                    ">= 100,000",
                    lambda v: v >= 100_000,
                    "",
                )
            )
            rows.append(
                _check(
                    f"lq tail --json vs JS SDK ({where})",
                    lq.get("vs_sdk"),
                    ">= 3x",
                    lambda v: v >= 3,
                    "x",
                )
            )
            rows.append(
                _check(
                    f"lq tail --json peak RSS ({where})",
                    lq["maxrss_mb"] or None,
                    "<= 60 MB",
                    lambda v: v <= 60,
                    " MB",
                )
            )
    rows.extend(_ratio_rows(throughput))
    pretty = _find(throughput, consumer="lq_pretty")
    if pretty:
        rows.append(
            _check(
                "lq tail pretty events/s (file)",
                pretty["events_per_s"] or None,
                ">= 30,000",
                lambda v: v >= 30_000,
                "",
            )
        )
    lat = _find(result.get("latency", []), consumer="lq_json", rate=10_000.0)
    if lat:
        p99 = lat.get("reader", {}).get("latency_us", {}).get("p99")
        rows.append(
            _check(
                "added latency p99 at 10k events/s",
                p99 / 1000 if p99 and lat["loss"] == 0 else None,
                "<= 2 ms",
                lambda v: v <= 2,
                " ms",
            )
        )
    version = _find(result.get("startup_commands", []), command="lq --version")
    if version:
        rows.append(
            _check(
                "lq --version (mean)",
                version.get("mean_ms"),
                "<= 100 ms",
                lambda v: v <= 100,
                " ms",
            )
        )
    subscribed = _find(result.get("startup_subscribed", []), consumer="lq_json")
    if subscribed:
        rows.append(
            _check(
                "lq tail start -> subscribed (mean)",
                subscribed.get("mean_ms"),
                "<= 400 ms",
                lambda v: v <= 400,
                " ms",
            )
        )
    slow = _find(result.get("slow_consumer", []), consumer="lq_json")
    fast = _find(throughput, consumer="lq_json", sink="pipe")
    if slow and fast and fast["maxrss_mb"]:
        growth = slow["maxrss_mb"] / fast["maxrss_mb"]
        rows.append(
            _check(
                "slow consumer: lq peak RSS / its fast-run peak",
                growth,
                "bounded (<= 1.5x), loss 0",
                lambda v: v <= 1.5 and slow["loss"] == 0,
                "x",
            )
        )
    return rows


def _server_rows(server: dict[str, Any]) -> list[Row]:
    targets = server.get("targets", {})
    lq, parse = targets.get("lq serve"), targets.get("Parse Server 9.10.0")
    if not lq or not parse:
        return []
    rows: list[Row] = []
    largest = max((r["subscriptions"] for r in lq["distinct"]), default=0)
    lq_cpu = _find(lq["distinct"], subscriptions=largest, where="{slot: i}")
    parse_cpu = _find(parse["distinct"], subscriptions=largest, where="{slot: i}")
    if lq_cpu and parse_cpu and lq_cpu["cpu_ms_per_write"]:
        rows.append(
            _check(
                f"lq serve per-write CPU advantage, {largest:,} distinct subscriptions",
                parse_cpu["cpu_ms_per_write"] / lq_cpu["cpu_ms_per_write"],
                ">= 50x",
                lambda v: v >= 50,
                "x",
            )
        )
    most = max((r["clients"] for r in lq["fanout"]), default=0)
    lq_fan = _find(lq["fanout"], clients=most)
    parse_fan = _find(parse["fanout"], clients=most)
    if lq_fan and parse_fan and parse_fan.get("events_per_s"):
        rows.append(
            _check(
                f"lq serve fan-out events/s vs Parse Server ({most:,} clients)",
                (lq_fan.get("events_per_s") or 0) / parse_fan["events_per_s"],
                ">= 1x",
                lambda v: v >= 1,
                "x",
            )
        )
    lq_idle, parse_idle = lq.get("idle", {}), parse.get("idle", {})
    if lq_idle.get("kb_per_connection") and parse_idle.get("kb_per_connection"):
        rows.append(
            _check(
                "lq serve RSS per idle connection / Parse Server's",
                lq_idle["kb_per_connection"] / parse_idle["kb_per_connection"],
                "<= 1x",
                lambda v: v <= 1,
                "x",
            )
        )
    return rows


def markdown(result: dict[str, Any]) -> str:
    rows = _client_rows(result) + _server_rows(result.get("server", {}))
    if "idle" in result:
        from bench import server_idle_report

        rows += server_idle_report.target_rows(result["idle"])
    if not rows:
        return ""
    return _table(["target (issue 6)", "measured", "target", "met"], rows)
