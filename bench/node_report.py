"""Markdown for the cluster benchmarks (`bench/node_suite.py`): lq's node next to Parse's.

Each row is one measure on both LiveQuery nodes of the same cluster, fed the
same Redis messages; the targets table checks the figures against issue 17's
goals, as ratios of the two nodes measured in the same run.
"""

from __future__ import annotations

from typing import Any

from bench.node_suite import LQ_NODE, PARSE_NODE
from bench.report import _num, _table


def _ratio(lq: float | None, parse: float | None, *, lower_is_better: bool) -> float | None:
    if not lq or not parse:
        return None
    return parse / lq if lower_is_better else lq / parse


def _shown(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}x"


def _rows(node: dict[str, Any]) -> list[tuple[str, Any, Any, float | None, str]]:
    """(measure, lq value, Parse value, lq advantage, note) for each measured row."""
    rows: list[tuple[str, Any, Any, float | None, str]] = []
    idle = node.get("idle", {})
    if idle:
        lq, parse = idle.get(LQ_NODE, {}), idle.get(PARSE_NODE, {})
        n = lq.get("connections") or parse.get("connections")
        note = (
            f"RSS {lq.get('rss_before_mb')}->{lq.get('rss_after_mb')} MB / "
            f"{parse.get('rss_before_mb')}->{parse.get('rss_after_mb')} MB"
        )
        kb_lq, kb_parse = lq.get("kb_per_connection"), parse.get("kb_per_connection")
        rows.append(
            (
                f"idle connections ({n:,}): RSS KB per connection",
                _num(kb_lq, 1),
                _num(kb_parse, 1),
                _ratio(kb_lq, kb_parse, lower_is_better=True),
                note,
            )
        )
        cpu_lq, cpu_parse = lq.get("cpu_percent"), parse.get("cpu_percent")
        rows.append(
            (
                f"idle CPU with {n:,} connected clients: % of one core",
                _num(cpu_lq, 2),
                _num(cpu_parse, 2),
                _ratio(cpu_lq, cpu_parse, lower_is_better=True),
                f"over {lq.get('window_s')} s, no writes",
            )
        )
    fanout = node.get("fanout", {})
    if fanout:
        lq, parse = fanout.get(LQ_NODE, {}), fanout.get(PARSE_NODE, {})
        rate_lq, rate_parse = lq.get("events_per_s_median"), parse.get("events_per_s_median")
        rounds = " / ".join(
            f"{_num(a['events_per_s'])} vs {_num(b['events_per_s'])}"
            for a, b in zip(lq.get("rounds", []), parse.get("rounds", []), strict=False)
        )
        rows.append(
            (
                f"fan-out, {lq.get('clients'):,} clients x {lq.get('writes')} writes: "
                "events/s (median of rounds)",
                _num(rate_lq),
                _num(rate_parse),
                _ratio(rate_lq, rate_parse, lower_is_better=False),
                f"rounds: {rounds}; loss {lq.get('loss')} / {parse.get('loss')}",
            )
        )
    distinct = node.get("distinct", {})
    if distinct:
        lq, parse = distinct.get(LQ_NODE, {}), distinct.get(PARSE_NODE, {})
        n = lq.get("subscriptions")
        for key, label in (
            ("cpu_ms_per_write_net", "node CPU ms per write, idle CPU subtracted"),
            ("cpu_ms_per_write", "node CPU ms per write, raw"),
        ):
            a, b = lq.get(key), parse.get(key)
            rows.append(
                (
                    f"{n:,} distinct subscriptions {{slot: i}}, one per connection: {label}",
                    _num(a, 2),
                    _num(b, 2),
                    _ratio(a, b, lower_is_better=True),
                    f"{lq.get('writes')} writes; idle CPU {lq.get('idle_cpu_per_s')} / "
                    f"{parse.get('idle_cpu_per_s')} s/s; loss {lq.get('loss')} / "
                    f"{parse.get('loss')}",
                )
            )
    return rows


def targets(node: dict[str, Any]) -> str:
    """Issue 17's four goals, each as lq's advantage over Parse's node (same run)."""

    def pair(section: str, key: str) -> tuple[Any, Any]:
        rows = node.get(section, {})
        return rows.get(LQ_NODE, {}).get(key), rows.get(PARSE_NODE, {}).get(key)

    distinct = node.get("distinct", {}).get(LQ_NODE, {})
    fanout = node.get("fanout", {}).get(LQ_NODE, {})
    idle = node.get("idle", {}).get(LQ_NODE, {})
    subs, clients, idle_n = (
        distinct.get("subscriptions"), fanout.get("clients"), idle.get("connections")
    )  # fmt: skip
    wanted = [
        (f"node CPU per write, {subs:,} distinct subscriptions (idle CPU subtracted): Parse / lq"
         if subs else "node CPU per write, distinct subscriptions",
         _ratio(*pair("distinct", "cpu_ms_per_write_net"), lower_is_better=True), 50.0,
         ">= 50x at 10,000"),
        (f"fan-out events/s to {clients:,} clients: lq / Parse" if clients else "fan-out",
         _ratio(*pair("fanout", "events_per_s_median"), lower_is_better=False), 2.0,
         ">= 2x at 1,000"),
        (f"RSS per idle connection ({idle_n:,}): Parse / lq" if idle_n else "idle RSS",
         _ratio(*pair("idle", "kb_per_connection"), lower_is_better=True), 1.0, ">= 1x"),
        (f"idle CPU, {idle_n:,} clients: Parse / lq" if idle_n else "idle CPU",
         _ratio(*pair("idle", "cpu_percent"), lower_is_better=True), 1.0, ">= 1x at 5,000"),
    ]  # fmt: skip
    rows = []
    for label, ratio, goal, shown_goal in wanted:
        met = "–" if ratio is None else ("yes" if ratio >= goal else "**no**")
        shown = "not measured" if ratio is None else _shown(ratio)
        rows.append([label, shown, shown_goal, met])
    return _table(["target (issue 17)", "measured", "target", "met"], rows)


def markdown(node: dict[str, Any]) -> str:
    parts = [f"### Cluster: `{LQ_NODE}` vs Parse's LiveQuery node (same Redis, same writes)", ""]
    for name, why in node.get("problems", {}).items():
        parts += [f"{name}: {why}", ""]
    rows = _rows(node)
    if rows:
        body = [[label, a, b, _shown(r), note] for label, a, b, r, note in rows]
        parts.append(_table(["measure", LQ_NODE, PARSE_NODE, "lq advantage", "note"], body))
        parts += ["", targets(node)]
    return "\n".join(parts)
