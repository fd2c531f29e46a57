"""Markdown tables for the server benchmarks, each row `lq serve` next to Parse Server."""

from __future__ import annotations

from typing import Any

from bench.report import _num, _table

LQ = "lq serve"
PARSE = "Parse Server 9.10.0"


def _ratio(lq: float | None, parse: float | None, *, lower_is_better: bool) -> str:
    if not lq or not parse:
        return "–"
    value = parse / lq if lower_is_better else lq / parse
    return f"{value:.2f}x"


def _first(a: dict[str, Any], b: dict[str, Any], key: str) -> Any:
    return a.get(key) or b.get(key)


def _pairs(
    targets: dict[str, Any], section: str, *fields: str
) -> list[tuple[Any, dict[str, Any], dict[str, Any]]]:
    def key(row: dict[str, Any]) -> Any:
        values = tuple(row.get(f) for f in fields)
        return values if len(values) > 1 else values[0]

    lq_rows = {key(r): r for r in targets.get(LQ, {}).get(section, [])}
    parse_rows = {key(r): r for r in targets.get(PARSE, {}).get(section, [])}
    keys = sorted(set(lq_rows) | set(parse_rows), key=lambda k: k if isinstance(k, tuple) else (k,))
    return [(k, lq_rows.get(k, {}), parse_rows.get(k, {})) for k in keys]


def markdown(server: dict[str, Any]) -> str:
    targets = server.get("targets", {})
    parts = ["### Server: `lq serve` vs Parse Server 9 (same writes, same subscribers)", ""]
    for name, why in server.get("problems", {}).items():
        parts.append(f"- {name}: {why}")
    rows = []
    for clients, lq, parse in _pairs(targets, "fanout", "clients"):
        rows.append(
            [
                f"fan-out, {clients} clients x {_first(lq, parse, 'writes')} writes: events/s",
                _num(lq.get("events_per_s")),
                _num(parse.get("events_per_s")),
                _ratio(lq.get("events_per_s"), parse.get("events_per_s"), lower_is_better=False),
                f"loss {lq.get('loss', '–')} / {parse.get('loss', '–')}",
            ]
        )
    for (subs, where), lq, parse in _pairs(targets, "distinct", "subscriptions", "where"):
        label = "no subscription" if not subs else f"{subs:,} distinct subscriptions {where}"
        rows.append(
            [
                f"{label}: server CPU ms per write",
                _num(lq.get("cpu_ms_per_write"), 2),
                _num(parse.get("cpu_ms_per_write"), 2),
                _ratio(
                    lq.get("cpu_ms_per_write"), parse.get("cpu_ms_per_write"), lower_is_better=True
                ),
                f"loss {lq.get('loss', '–')} / {parse.get('loss', '–')}",
            ]
        )
    lq_idle = targets.get(LQ, {}).get("idle", {})
    parse_idle = targets.get(PARSE, {}).get("idle", {})
    if lq_idle or parse_idle:
        rows.append(
            [
                f"idle connections ({_first(lq_idle, parse_idle, 'connections')}): "
                "RSS KB per connection",
                _num(lq_idle.get("kb_per_connection"), 1),
                _num(parse_idle.get("kb_per_connection"), 1),
                _ratio(
                    lq_idle.get("kb_per_connection"),
                    parse_idle.get("kb_per_connection"),
                    lower_is_better=True,
                ),
                f"RSS {lq_idle.get('rss_before_mb', '–')}->{lq_idle.get('rss_after_mb', '–')} MB / "
                f"{parse_idle.get('rss_before_mb', '–')}->{parse_idle.get('rss_after_mb', '–')} MB",
            ]
        )
    lq_lat = targets.get(LQ, {}).get("latency", {})
    parse_lat = targets.get(PARSE, {}).get("latency", {})
    for q in ("p50", "p99"):
        if lq_lat or parse_lat:
            rows.append(
                [
                    f"write -> event latency {q} (µs, REST write included)",
                    _num(lq_lat.get("latency_us", {}).get(q)),
                    _num(parse_lat.get("latency_us", {}).get(q)),
                    _ratio(
                        lq_lat.get("latency_us", {}).get(q),
                        parse_lat.get("latency_us", {}).get(q),
                        lower_is_better=True,
                    ),
                    f"loss {lq_lat.get('loss', '–')} / {parse_lat.get('loss', '–')}",
                ]
            )
    parts.append(_table(["measure", LQ, PARSE, "lq advantage", "note"], rows))
    return "\n".join(parts)
