"""The human format: one line per event, colored on a terminal.

``12:00:00.123 update Game xWMyZ4YEGZ score: 10 -> 20, name: "a" -> "b"``

``update``, ``enter`` and ``leave`` list the fields that changed, ``old -> new``;
``create`` and ``delete`` list the object's own fields. Piped, the layout is
identical without the ANSI codes, so ``grep``/``awk`` see what a person sees.

Rich is too slow for a line per event at tens of thousands of events per
second, so the styles are precomputed ANSI strings and a line is one join.
All server text goes through ``escape_text``.
"""

from __future__ import annotations

import time
from typing import Any

import orjson

from livequery_cli.cli.event_record import BOOKKEEPING_FIELDS, TailEvent
from livequery_cli.cli.terminal_text import escape_text

RESET = "\x1b[0m"
OP_STYLES = {
    "create": "\x1b[1;32m",
    "update": "\x1b[1;33m",
    "enter": "\x1b[1;36m",
    "leave": "\x1b[1;35m",
    "delete": "\x1b[1;31m",
    "snapshot": "\x1b[1;37m",
}
# One color per query (``--also``), cycled, so interleaved streams stay apart.
SUB_STYLES = ("\x1b[1m", "\x1b[1;96m", "\x1b[1;95m", "\x1b[1;93m", "\x1b[1;92m", "\x1b[1;94m")
TIME_STYLE = "\x1b[2m"
CLASS_STYLE = "\x1b[1m"
ID_STYLE = "\x1b[34m"
KEY_STYLE = "\x1b[1m"
OLD_STYLE = "\x1b[31m"
NEW_STYLE = "\x1b[32m"
ARROW_STYLE = "\x1b[2m"

# Shown for every object; listing them on each create line would be noise.
_IMPLICIT_FIELDS = frozenset({"objectId", "className", "createdAt", "updatedAt", "ACL"})


def format_value(value: Any) -> str:
    """A field value as one short, unambiguous token.

    Strings are quoted (so ``"10"`` and ``10`` differ), Parse dates show as
    ``@ISO`` and pointers as ``Class:objectId``, the spellings ``--where``
    accepts, so a value can be pasted back into a query.
    """
    if isinstance(value, dict):
        kind = value.get("__type")
        if kind == "Date" and isinstance(value.get("iso"), str):
            return escape_text("@" + value["iso"])
        if kind == "Pointer":
            return escape_text(f"{value.get('className')}:{value.get('objectId')}")
    if isinstance(value, str):
        return escape_text(orjson.dumps(value).decode())
    try:
        return escape_text(orjson.dumps(value).decode())
    except TypeError:
        return escape_text(repr(value))


class _ClockStamp:
    """``HH:MM:SS.mmm`` in local time (or UTC), cached per millisecond."""

    __slots__ = ("_convert", "_last_ms", "_last_text")

    def __init__(self, *, local: bool) -> None:
        self._convert = time.localtime if local else time.gmtime
        self._last_ms = -1
        self._last_text = ""

    def __call__(self, ts: float) -> str:
        ms = int(ts * 1000)
        if ms != self._last_ms:
            seconds, millis = divmod(ms, 1000)
            self._last_text = time.strftime("%H:%M:%S", self._convert(seconds)) + f".{millis:03d}"
            self._last_ms = ms
        return self._last_text


class PrettyFormat:
    """Renders events as aligned human lines; ``color`` adds the ANSI styles."""

    def __init__(self, *, color: bool, local_time: bool = True) -> None:
        self._color = color
        self._clock = _ClockStamp(local=local_time)
        if color:
            self._ops = {op: f"{style}{op:<6}{RESET}" for op, style in OP_STYLES.items()}
        else:
            self._ops = {op: f"{op:<6}" for op in OP_STYLES}
        self._class_cache: dict[tuple[int, str], str] = {}

    def _paint(self, style: str, text: str) -> str:
        return f"{style}{text}{RESET}" if self._color else text

    def _class(self, name: str, sub: int) -> str:
        cached = self._class_cache.get((sub, name))
        if cached is None:
            style = SUB_STYLES[sub % len(SUB_STYLES)] if sub else CLASS_STYLE
            cached = self._paint(style, escape_text(name))
            self._class_cache[(sub, name)] = cached
        return cached

    def __call__(self, event: TailEvent) -> bytes:
        op = event.op
        parts = [
            self._paint(TIME_STYLE, self._clock(event.ts)),
            self._ops.get(op) or escape_text(op),
            self._class(event.class_name, event.sub),
            self._paint(ID_STYLE, escape_text(event.object_id)),
        ]
        detail = self._changes(event) if event.original is not None else self._fields(event)
        if event.synthetic:
            parts.append(self._paint(TIME_STYLE, "(resync)"))
        if detail:
            parts.append(detail)
        return (" ".join(parts) + "\n").encode("utf-8", "surrogateescape")

    def _fields(self, event: TailEvent) -> str:
        paint = self._paint
        return " ".join(
            f"{paint(KEY_STYLE, escape_text(key))}={format_value(value)}"
            for key, value in event.object.items()
            if key not in _IMPLICIT_FIELDS
        )

    def _changes(self, event: TailEvent) -> str:
        paint = self._paint
        original = event.original or {}
        current = event.object
        items = []
        for key in event.changed():
            if key in BOOKKEEPING_FIELDS:
                continue
            old = format_value(original[key]) if key in original else "(none)"
            new = format_value(current[key]) if key in current else "(none)"
            items.append(
                f"{paint(KEY_STYLE, escape_text(key))}: "
                f"{paint(OLD_STYLE, old)} {paint(ARROW_STYLE, '->')} {paint(NEW_STYLE, new)}"
            )
        return ", ".join(items)
