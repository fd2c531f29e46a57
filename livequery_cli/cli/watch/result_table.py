"""The live table's state: rows by objectId, sort order, marks, one rendered frame.

The table is the result set, so it is exactly what the gap-free subscription
says it is: snapshot and ``enter``/``create``/``update`` put a row in,
``leave``/``delete`` take it out. What changes is marked for a moment, so a
person sees it: a changed row is highlighted, an entering one is marked
``+``, a leaving one stays on screen, struck through and marked ``-``, for
the same moment before it goes. Only the shown columns (and the sort field)
are kept per row, so memory grows with rows times columns, not with objects.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from livequery_cli.cli.output.terminal_text import escape_text

__all__ = ["ResultTable", "default_columns"]

MARK_SECONDS = 1.5
ALWAYS_LAST = "updatedAt"
_HIDDEN = frozenset({"objectId", "ACL", "createdAt", "updatedAt", "className", "__type"})
_WIDTH = 32


def default_columns(sample: Sequence[dict[str, Any]], most: int = 4) -> list[str]:
    """A few scalar fields of the first objects (most common first), plus ``updatedAt``."""
    seen: dict[str, int] = {}
    for obj in sample:
        for name, value in obj.items():
            if name not in _HIDDEN and not isinstance(value, dict | list):
                seen[name] = seen.get(name, 0) + 1
    chosen = sorted(seen, key=lambda name: (-seen[name], name))[:most]
    return [*chosen, ALWAYS_LAST]


@dataclass
class _Row:
    values: dict[str, Any]
    mark: str = ""  # "+", "*" (changed), "-" (leaving)
    marked_at: float = 0.0


@dataclass
class ResultTable:
    """Rows of the result set, in sort order, with marks that fade after ``MARK_SECONDS``."""

    title: str
    columns: list[str]
    sort_field: str | None = None
    descending: bool = False
    clock: Callable[[], float] = time.monotonic
    rows: dict[str, _Row] = field(default_factory=dict)
    state: str = "connecting"
    offset: int = 0
    _events: deque[float] = field(default_factory=deque)

    def apply(self, op: str, obj: dict[str, Any]) -> None:
        """Apply one event (``snapshot`` included) to the rows."""
        object_id = obj.get("objectId")
        if not isinstance(object_id, str):
            return
        now = self.clock()
        if op != "snapshot":
            self._events.append(now)
        if op in ("leave", "delete"):
            row = self.rows.get(object_id)
            if row is not None:
                row.mark, row.marked_at = "-", now
            return
        values = {name: obj.get(name) for name in self._kept()}
        row = self.rows.get(object_id)
        if row is None:
            mark = "" if op == "snapshot" else "+"
            self.rows[object_id] = _Row(values, mark, now)
        else:
            row.values = values
            row.mark, row.marked_at = ("*", now) if op != "snapshot" else (row.mark, row.marked_at)

    def _kept(self) -> list[str]:
        kept = list(self.columns)
        if self.sort_field and self.sort_field not in kept:
            kept.append(self.sort_field)
        return kept

    def expire(self) -> None:
        """Drop rows whose leaving mark has faded; clear faded marks."""
        now = self.clock()
        for object_id in [k for k, r in self.rows.items() if r.mark == "-"]:
            if now - self.rows[object_id].marked_at >= MARK_SECONDS:
                del self.rows[object_id]
        for row in self.rows.values():
            if row.mark in ("+", "*") and now - row.marked_at >= MARK_SECONDS:
                row.mark = ""

    def events_per_second(self) -> float:
        now = self.clock()
        while self._events and now - self._events[0] > 1.0:
            self._events.popleft()
        return float(len(self._events))

    def cycle_sort(self) -> None:
        """Sort by the next column (ascending, then descending, then the next one)."""
        if self.sort_field not in self.columns:
            self.sort_field, self.descending = self.columns[0], False
        elif not self.descending:
            self.descending = True
        else:
            position = self.columns.index(self.sort_field)
            self.sort_field = self.columns[(position + 1) % len(self.columns)]
            self.descending = False
        for row in self.rows.values():  # rows kept before need the new sort field
            row.values.setdefault(self.sort_field, None)

    def scroll(self, lines: int) -> None:
        self.offset = max(0, min(self.offset + lines, max(0, len(self.rows) - 1)))

    def ordered(self) -> list[tuple[str, _Row]]:
        items = list(self.rows.items())
        if self.sort_field is not None:
            name = self.sort_field
            items.sort(
                key=lambda item: _sort_key(item[1].values.get(name)), reverse=self.descending
            )
        return items

    def header(self) -> str:
        order = ""
        if self.sort_field:
            order = f"  sorted by {'-' if self.descending else ''}{self.sort_field}"
        rate = self.events_per_second()
        return f"{self.title}  {len(self.rows)} objects  {rate:.0f} events/s  [{self.state}]{order}"

    def render(self, height: int | None = None) -> Any:
        """One frame: a Rich ``Table`` of the rows from ``offset`` (at most ``height``)."""
        from rich.table import Table
        from rich.text import Text

        # Text, never str: server data must not be read as Rich markup ("[bold]...").
        table = Table(title=Text(escape_text(self.header())), title_justify="left", expand=False)
        table.add_column(Text(" "), width=1, no_wrap=True)
        table.add_column(Text("objectId"), no_wrap=True)
        for name in self.columns:
            arrow = ""
            if name == self.sort_field:
                arrow = " ▼" if self.descending else " ▲"
            table.add_column(Text(escape_text(name) + arrow), no_wrap=True, max_width=_WIDTH)
        rows = self.ordered()[self.offset :]
        if height is not None:
            rows = rows[: max(0, height)]
        for object_id, row in rows:
            style = {"+": "green", "*": "reverse", "-": "strike dim"}.get(row.mark, "")
            cells = [Text(row.mark), Text(escape_text(object_id))]
            cells += [Text(_cell(row.values.get(name))) for name in self.columns]
            table.add_row(*cells, style=style)
        return table


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict) and value.get("__type") == "Date":
        value = value.get("iso", "")
    if isinstance(value, dict) and value.get("__type") == "Pointer":
        value = f"{value.get('className')}:{value.get('objectId')}"
    text = escape_text(value if isinstance(value, str) else repr(value))
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def _sort_key(value: Any) -> tuple[int, Any]:
    """Numbers, then strings, then the rest (as text); missing values last."""
    if isinstance(value, dict) and value.get("__type") == "Date":
        value = value.get("iso")
    if value is None:
        return (3, "")
    if isinstance(value, bool):
        return (2, str(value))
    if isinstance(value, int | float):
        return (0, value if not (isinstance(value, float) and math.isnan(value)) else 0)
    if isinstance(value, str):
        return (1, value)
    return (2, repr(value))
