"""``--stats`` lines count in words that agree with the numbers: ``1 event``, ``2 events``."""

from __future__ import annotations

import io

from livequery_cli.cli.tail.stats import TailStats


def totals(ops: list[str]) -> str:
    stream = io.StringIO()
    stats = TailStats(stream, interval=None, clock=lambda: 1.0)
    for op in ops:
        stats.count(op)
    stats.report(window=False)
    return stream.getvalue()


def test_one_event_is_singular() -> None:
    line = totals(["create"])
    assert ", 1 event, 0 reconnects, 0 resyncs\n" in line, line


def test_several_and_none_are_plural() -> None:
    assert ", 2 events," in totals(["create", "update"])
    assert ", 0 events," in totals([])
