"""``lq watch``'s picture of the result set, and the Rich table drawn from it.

The model takes the tail pipeline's records (snapshot members, events,
synthetic resync events) and keeps one row per member, with when it last
changed, entered, or left: a changed row is highlighted for a moment, a
row that entered is marked ``+`` for a moment, a row that left stays,
marked ``-`` and dimmed, for a moment before it goes. Rendering is separate
from updating, so thousands of events per second cost one dict write each
and the table is built only when the screen refreshes. The rows themselves
(kept small, a screenful picked in sort order) are ``TableRows``.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.pretty import format_value
from livequery_cli.cli.output.terminal_text import escape_text
from livequery_cli.cli.watch.table_rows import TableRows

if TYPE_CHECKING:
    from rich.console import Group
    from rich.table import Table

__all__ = ["ResultTable", "cell"]

MARK_SECONDS = 2.0
"""How long a changed row stays highlighted, and an entered or left row marked."""

_REMOVING = frozenset({"leave", "delete"})


def cell(value: Any) -> str:
    """A value as shown: strings (and dates, kept as ISO strings) bare, the rest as
    ``--where`` spells it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_text(value)
    return format_value(value)


class ResultTable:
    """The rows, their marks, the events-per-second rate and the connection state."""

    def __init__(
        self,
        title: str,
        *,
        columns: list[str] | None,
        sort: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.title = title
        self.sort = sort
        self.state = "connecting"
        self.rows = TableRows(columns, sort)
        self._changed: dict[str, float] = {}
        self._entered: dict[str, float] = {}
        self._event_times: deque[float] = deque(maxlen=100_000)
        self._clock = clock
        self.dirty = True
        self.offset = 0
        """The first row shown (page keys scroll by a screenful)."""
        self.page = 20
        """Rows on the last screen drawn: what a page key scrolls by."""

    def __call__(self, event: TailEvent) -> bytes:
        """The tail pipeline's renderer: update the model, print nothing."""
        self.apply(event.op, event.object, snapshot=event.kind == "snapshot")
        return b""

    def apply(self, op: str, obj: dict[str, Any], *, snapshot: bool = False) -> None:
        oid = obj.get("objectId")
        if not isinstance(oid, str):
            return
        now = self._clock()
        if not snapshot:
            self._event_times.append(now)
        self.dirty = True
        if op in _REMOVING:
            self.rows.remove(oid, obj, now)
            self._changed.pop(oid, None)
            self._entered.pop(oid, None)
            return
        known = self.rows.put(oid, obj)
        if snapshot:
            return
        if known:
            self._changed[oid] = now
        else:
            self._entered[oid] = now

    def events_per_second(self) -> float:
        """Events in the last second."""
        now = self._clock()
        times = self._event_times
        while times and times[0] < now - 1.0:
            times.popleft()
        return float(len(times))

    def expire(self) -> None:
        """Forget marks older than ``MARK_SECONDS``; drop the rows that left that long ago."""
        limit = self._clock() - MARK_SECONDS
        for marks in (self._changed, self._entered):
            for oid in [oid for oid, at in marks.items() if at < limit]:
                del marks[oid]
                self.dirty = True
        left = self.rows.left
        for oid in [oid for oid, (at, _) in left.items() if at < limit]:
            del left[oid]
            self.dirty = True

    @property
    def columns(self) -> list[str] | None:
        return self.rows.columns

    def shown_columns(self) -> list[str]:
        """The columns: given, or chosen from the first rows once there are some."""
        if self.rows.columns is None and not self.rows.rows:
            return ["objectId", "updatedAt"]
        return self.rows.choose()

    def cycle_sort(self) -> None:
        """``s``: sort by the next column (ascending), after the last one back to the first."""
        columns = self.shown_columns()
        current = (self.sort or "").lstrip("-")
        position = columns.index(current) if current in columns else -1
        self.sort = columns[(position + 1) % len(columns)]
        self.dirty = True

    def _mark(self, oid: str, left: bool) -> str:
        if left:
            return "-"
        if oid in self._entered:
            return "+"
        return "*" if oid in self._changed else ""

    def ordered(self) -> list[tuple[str, str, Any]]:
        """``(mark, objectId, row)`` per row in sort order; rows that left keep their place."""
        rows = self.rows.ordered(self.sort)
        return [(self._mark(oid, left), oid, row) for oid, row, left in rows]

    def window(self, offset: int, count: int) -> list[tuple[str, str, Any]]:
        """``ordered()[offset : offset + count]``, without ordering every row."""
        rows = self.rows.window(self.sort, offset, count)
        return [(self._mark(oid, left), oid, row) for oid, row, left in rows]

    def header(self, *, live: bool) -> str:
        """The line above the table; live, the state and rate come first (a narrow screen cuts
        the end of the line, and the query is the longest part)."""
        count = len(self.rows.rows)
        noun = "object" if count == 1 else "objects"
        parts = [f"{count} {noun}"]
        if self.sort:
            parts.append(f"sorted by {self.sort}")
        if not live:
            return " · ".join([self.title, *parts])
        rate = f"{self.events_per_second():.0f} events/s"
        return " · ".join([self.state, *parts, rate, self.title])

    def scroll(self, pages: int) -> None:
        """Page keys: move the window by whole screenfuls, within the rows there are."""
        total = len(self.rows)
        last = max(0, total - self.page)
        self.offset = min(max(0, self.offset + pages * self.page), last)
        self.dirty = True

    def screen(self, *, max_rows: int, color: bool) -> Group:
        """The live screen: the header, a screenful of the table, the keys."""
        from rich.console import Group
        from rich.text import Text

        self.page = max_rows
        total = len(self.rows)
        self.offset = min(self.offset, max(0, total - max_rows))
        above, below = self.offset, max(0, total - self.offset - max_rows)
        notes = [f"{above} more above" if above else "", f"{below} more below" if below else ""]
        more = ", ".join(note for note in notes if note)
        keys = "q quit · s sort by the next column"
        if above or below:
            keys += f" · PgUp/PgDn scroll ({more})"
        return Group(
            Text(self.header(live=True), style="bold" if color else ""),
            self.render(live=True, max_rows=max_rows, color=color),
            Text(keys, style="dim" if color else ""),
        )

    def render(self, *, live: bool, max_rows: int | None = None, color: bool = True) -> Table:
        """The table as Rich draws it (``max_rows``: a screenful)."""
        from rich import box
        from rich.table import Table

        columns = self.shown_columns()
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        if live:
            table.add_column(" ", width=1, no_wrap=True)
        for name in columns:
            arrow = ""
            if self.sort and self.sort.lstrip("-") == name:
                arrow = " ↓" if self.sort.startswith("-") else " ↑"
            table.add_column(escape_text(name) + arrow, no_wrap=True, overflow="ellipsis")
        rows = self.ordered() if max_rows is None else self.window(self.offset, max_rows)
        value = self.rows.value
        for mark, oid, row in rows:
            values = [cell(value(oid, row, name)) for name in columns]
            style = None
            if color and live:
                style = {"+": "bold green", "-": "dim strike", "*": "reverse"}.get(mark)
            table.add_row(*([mark] if live else []), *values, style=style)
        return table
