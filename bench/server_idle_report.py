"""Markdown for ``bench.server_idle``: idle CPU and memory, `lq serve` next to Parse Server."""

from __future__ import annotations

from typing import Any

from bench.report import _num, _table
from bench.server_report import _ratio

LQ = "lq serve"
PARSE = "Parse Server 9.10.0"


def _row(
    label: str, lq: dict[str, Any], parse: dict[str, Any], key: str, digits: int, note: str
) -> list[Any]:
    return [
        label,
        _num(lq.get(key), digits),
        _num(parse.get(key), digits),
        _ratio(lq.get(key), parse.get(key), lower_is_better=True),
        note,
    ]


def markdown(idle: dict[str, Any]) -> str:
    targets = idle.get("targets", {})
    lq, parse = targets.get(LQ, {}), targets.get(PARSE, {})
    lq_idle, parse_idle = lq.get("idle", {}), parse.get("idle", {})
    lq_obj, parse_obj = lq.get("objects", {}), parse.get("objects", {})
    parts = ["### Server idle costs: `lq serve` vs Parse Server 9 (default ping settings)", ""]
    for name, why in idle.get("problems", {}).items():
        parts.append(f"- {name}: {why}")
    n = lq_idle.get("connections") or parse_idle.get("connections")
    rows = []
    if lq_idle or parse_idle:
        rows.append(
            _row(
                f"idle CPU, {n:,} connected subscribed clients (% of a core, "
                f"{_num(lq_idle.get('window_s'))} s / {_num(parse_idle.get('window_s'))} s)",
                lq_idle,
                parse_idle,
                "cpu_pct",
                2,
                f"no client: {lq_idle.get('baseline_cpu_pct', '–')}% / "
                f"{parse_idle.get('baseline_cpu_pct', '–')}%; load generator "
                f"{lq_idle.get('loadgen_cpu_pct', '–')}% / "
                f"{parse_idle.get('loadgen_cpu_pct', '–')}%",
            )
        )
        rows.append(
            _row(
                f"RSS per idle connection, {n:,} clients (KB)",
                lq_idle,
                parse_idle,
                "kb_per_connection",
                1,
                f"RSS {lq_idle.get('rss_before_mb', '–')}->{lq_idle.get('rss_after_mb', '–')} MB / "
                f"{parse_idle.get('rss_before_mb', '–')}->{parse_idle.get('rss_after_mb', '–')} MB",
            )
        )
    if lq_obj or parse_obj:
        m = lq_obj.get("objects") or parse_obj.get("objects")
        rows.append(
            _row(
                f"RSS per stored object after writing {m:,} (KB)",
                lq_obj,
                parse_obj,
                "kb_per_object_written",
                3,
                f"RSS {lq_obj.get('rss_empty_mb', '–')}->{lq_obj.get('rss_written_mb', '–')} MB / "
                f"{parse_obj.get('rss_empty_mb', '–')}->{parse_obj.get('rss_written_mb', '–')} MB; "
                "PostgreSQL's memory is not counted",
            )
        )
        rows.append(
            _row(
                f"RSS per stored object after a restart on the {m:,} (KB)",
                lq_obj,
                parse_obj,
                "kb_per_object_restarted",
                3,
                f"RSS {lq_obj.get('rss_restarted_mb', '–')} MB / "
                f"{parse_obj.get('rss_restarted_mb', '–')} MB; "
                f"SQLite file {lq_obj.get('db_file_mb', '–')} MB; Parse Server loads no "
                "object at start: its figure is the spread between two starts",
            )
        )
        rows.append(
            _row(
                f"writing the {m:,} objects (REST creates, 4 writers): seconds",
                lq_obj,
                parse_obj,
                "write_s",
                1,
                "",
            )
        )
    parts.append(_table(["measure", LQ, PARSE, "lq advantage", "note"], rows))
    return "\n".join(parts)


def target_rows(idle: dict[str, Any]) -> list[list[Any]]:
    """Issue 18's idle targets, as rows of the targets table."""
    targets = idle.get("targets", {})
    lq = targets.get(LQ, {}).get("idle", {})
    parse = targets.get(PARSE, {}).get("idle", {})
    if lq.get("cpu_pct") is None or parse.get("cpu_pct") is None:
        return []
    label = f"lq serve idle CPU with {lq['connections']:,} clients / Parse Server's"
    if not parse["cpu_pct"]:  # a window too short to see any CPU (smoke runs)
        return [[label, f"– ({lq['cpu_pct']}% vs {parse['cpu_pct']}%)", "<= 1x", "–"]]
    ratio = lq["cpu_pct"] / parse["cpu_pct"]
    return [
        [
            label,
            f"{ratio:.2f}x ({lq['cpu_pct']}% vs {parse['cpu_pct']}%)",
            "<= 1x",
            "yes" if ratio <= 1 else "**no**",
        ]
    ]
