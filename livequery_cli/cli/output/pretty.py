"""The human format: one line per event, colored on a terminal.

``12:00:00.123 update   Game xWMyZ4YEGZ [player="ann"] score: 10 -> 20, cfg.a[2]: 3 -> 4``

``update``, ``enter`` and ``leave`` list the fields that changed, ``old -> new``,
down to the dotted path that changed inside an object or array; ``create``,
``delete`` and ``snapshot`` list the object's own fields. ``--show`` fields come
in brackets after the id on every line. The op column fits ``snapshot``, and
with several queries the class column is as wide as the longest class name,
so ids line up. Piped, the layout is identical without the ANSI codes, so
``grep``/``awk`` see what a person sees.

Rich is too slow for a line per event at tens of thousands of events per
second, so the styles are precomputed ANSI strings and a line is one f-string.
Everything that repeats from line to line (the painted op, class and time, a
painted field name with its separator) is built once and cached, so per event
only the values are formatted. All server text goes through ``escape_text``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.nested_diff import ABSENT, changed_paths
from livequery_cli.cli.output.terminal_text import escape_text
from livequery_cli.cli.output.timestamps import LineClock

RESET = "\x1b[0m"
OP_STYLES = {
    "create": "\x1b[1;32m",
    "update": "\x1b[1;33m",
    "enter": "\x1b[1;36m",
    "leave": "\x1b[1;35m",
    "delete": "\x1b[1;31m",
    "snapshot": "\x1b[1m",
    "object": "\x1b[1m",
}
OP_WIDTH = len("snapshot")
# One color per query (``--also``), cycled, so interleaved streams stay apart.
# No white and no bright yellow/cyan: they vanish on a light background.
SUB_STYLES = ("\x1b[1m", "\x1b[1;36m", "\x1b[1;35m", "\x1b[1;33m", "\x1b[1;32m", "\x1b[1;34m")
TIME_STYLE = "\x1b[2m"
CLASS_STYLE = "\x1b[1m"
ID_STYLE = "\x1b[34m"
KEY_STYLE = "\x1b[1m"
OLD_STYLE = "\x1b[31m"
NEW_STYLE = "\x1b[32m"
ARROW_STYLE = "\x1b[2m"

# Shown for every object; listing them on each create line would be noise.
_IMPLICIT_FIELDS = frozenset({"objectId", "className", "createdAt", "updatedAt", "ACL"})

# The caches below are keyed by server text (field names, class names), so a
# hostile or very dynamic schema must not grow them without bound.
_CACHE_LIMIT = 4096

_dumps = orjson.dumps
# Tells a field that is absent from one that holds null.
_ABSENT: Any = ABSENT
# Longest value printed on a terminal without --wide (the "…" included).
DEFAULT_VALUE_LIMIT = 80


def _format_str(value: str) -> str:
    # The JSON spelling of a printable string without quote or backslash is
    # the string in quotes (orjson escapes nothing else), and such a string
    # needs no terminal escaping: skip both the encoder and the scan.
    if value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    return escape_text(_dumps(value).decode())


def _format_float(value: float) -> str:
    # Without an exponent, ``repr`` and orjson spell a float alike (both the
    # shortest round-trip digits); they differ only in exponent form ("1e+16"
    # against "1e16") and for inf/nan (orjson writes null): those take orjson.
    text = repr(value)
    if "e" in text or "n" in text:
        return _format_json(value)
    return text


def _format_dict(value: dict[str, Any]) -> str:
    kind = value.get("__type")
    if kind is None:  # a plain object: ``_format_json`` inline
        try:
            text = _dumps(value).decode()
        except TypeError:
            text = repr(value)
        return text if text.isprintable() else escape_text(text)
    if kind == "Date" and isinstance(value.get("iso"), str):
        text = "@" + value["iso"]
    elif kind == "Pointer":
        text = f"{value.get('className')}:{value.get('objectId')}"
    else:
        return _format_json(value)
    return text if text.isprintable() else escape_text(text)


def _format_json(value: Any) -> str:
    try:
        text = _dumps(value).decode()
    except TypeError:
        text = repr(value)
    # ``escape_text``'s own first test, without the call for clean text.
    return text if text.isprintable() else escape_text(text)


def _format_bool(value: bool) -> str:
    return "true" if value else "false"


def _format_none(value: None) -> str:
    return "null"


def _format_absent(value: Any) -> str:
    return "(none)"


# Exact types as ``orjson.loads`` produces them; anything else (subclasses,
# floats, lists) takes the general path. ``str(int)`` is what orjson writes, and
# what ``repr`` gives for the integers orjson refuses (beyond 64 bits).
_FORMATTERS: dict[type, Callable[[Any], str]] = {
    str: _format_str,
    int: str,
    float: _format_float,
    bool: _format_bool,
    type(None): _format_none,
    dict: _format_dict,
}


def format_value(value: Any) -> str:
    """A field value as one short, unambiguous token.

    Strings are quoted (so ``"10"`` and ``10`` differ), Parse dates show as
    ``@ISO`` and pointers as ``Class:objectId``, the spellings ``--where``
    accepts, so a value can be pasted back into a query.
    """
    return _FORMATTERS.get(type(value), _format_json)(value)


# ``format_value``'s table plus a side missing from an update: "(none)". The
# lines look a value's formatter up here directly, one call per value.
_LINE_FORMATTERS: dict[type, Callable[[Any], str]] = {**_FORMATTERS, type(_ABSENT): _format_absent}


class PrettyFormat:
    """Renders events as aligned human lines; ``color`` adds the ANSI styles.

    ``show`` names fields printed on every line; ``timestamps`` is a
    ``LineClock`` style; ``value_limit`` shortens longer values with "…"
    (``None``: never, as with ``--wide`` or when piped); ``class_width`` pads
    the class column (the longest class name when there are several queries).
    ``now`` exists for tests.
    """

    def __init__(
        self,
        *,
        color: bool,
        timestamps: str = "local",
        show: tuple[str, ...] = (),
        value_limit: int | None = None,
        class_width: int = 0,
        now: Callable[[], float] | None = None,
    ) -> None:
        self._color = color
        self._reset = RESET if color else ""
        clock_args: dict[str, Any] = {"before": self._style(TIME_STYLE), "after": self._reset}
        if now is not None:
            clock_args["now"] = now
        self._clock = LineClock(timestamps, **clock_args)
        self._show = show
        self._limit = value_limit
        # A value is formatted by ``self._formatters.get(type(value), self._fallback)``.
        # Without a limit (a file, a pipe, --wide) that is its formatter itself,
        # one call; with one, the table is empty so every value goes through
        # the shortening wrapper.
        self._formatters: dict[type, Callable[[Any], str]] = (
            _LINE_FORMATTERS if value_limit is None else {}
        )
        self._fallback: Callable[[Any], str] = (
            _format_json if value_limit is None else self._limited_value
        )
        # The lines spell ints and bools inline, without a call; with a limit
        # these name a type no value has, so every value takes the table.
        self._int: type = int if value_limit is None else _NoValue
        self._bool: type = bool if value_limit is None else _NoValue
        self._class_width = class_width
        if color:
            self._ops = {op: f"{style}{op:<{OP_WIDTH}}{RESET}" for op, style in OP_STYLES.items()}
        else:
            self._ops = {op: f"{op:<{OP_WIDTH}}" for op in OP_STYLES}
        self._resync = " " + self._paint(TIME_STYLE, "(resync)")
        # " -> " between the old and the new value, with the styles around it.
        self._arrow = f"{self._reset} {self._paint(ARROW_STYLE, '->')} {self._style(NEW_STYLE)}"
        # (op, class, sub) -> "op class " plus the opening of the id's style.
        self._heads: dict[tuple[str, str, int], str] = {}
        # field name -> painted ``name=`` (create/delete; "" for a field not
        # listed: implicit or --show) or ``name: `` + old style.
        self._field_keys: dict[str, str] = {}
        self._change_keys: dict[str, str] = {}
        # What ``_fields`` and ``_changes`` read for every value, in one load.
        self._value_parts = (
            self._field_keys.get,
            self._formatters.get,
            self._fallback,
            self._int,
            self._bool,
        )

    def _style(self, style: str) -> str:
        return style if self._color else ""

    def _paint(self, style: str, text: str) -> str:
        return f"{style}{text}{RESET}" if self._color else text

    def _head(self, op: str, class_name: str, sub: int) -> str:
        key = (op, class_name, sub)
        head = self._heads.get(key)
        if head is None:
            style = SUB_STYLES[sub % len(SUB_STYLES)] if sub else CLASS_STYLE
            shown_op = self._ops.get(op) or escape_text(op)
            name = escape_text(class_name)
            padding = " " * max(0, self._class_width - len(name))
            shown_class = self._paint(style, name) + padding
            head = f"{shown_op} {shown_class} {self._style(ID_STYLE)}"
            if len(self._heads) >= _CACHE_LIMIT:
                self._heads.clear()
            self._heads[key] = head
        return head

    def __call__(self, event: TailEvent) -> bytes:
        obj = event.object
        head = self._heads.get((event.op, event.class_name, event.sub))
        if head is None:
            head = self._head(event.op, event.class_name, event.sub)
        object_id = obj.get("objectId")
        if isinstance(object_id, str):
            # ``escape_text``'s own first test, without the call for a clean id.
            shown_id = object_id if object_id.isprintable() else escape_text(object_id)
        else:
            shown_id = ""
        original = event.original
        if original is None:
            detail = self._fields(obj)
        else:
            detail = self._changes(event, original, obj)
            if not detail and event.op == "update":
                detail = self._paint(TIME_STYLE, "(changed: fields not sent, see --keys)")
        tail = ""  # the common line has only the details
        if event.synthetic or self._show:
            tail = self._resync if event.synthetic else ""
            if self._show:
                tail = f" {self._shown(obj)}{tail}"
        ts = event.ts
        kind = event.kind
        if kind == "snapshot" or kind == "object":  # a stored member: its updatedAt
            ts = _updated_at(obj, ts)
        space = " " if detail else ""
        line = f"{self._clock(ts)}{head}{shown_id}{self._reset}{tail}{space}{detail}\n"
        return line.encode("utf-8", "surrogateescape")

    def _value(self, value: Any) -> str:
        return self._formatters.get(type(value), self._fallback)(value)

    def _limited_value(self, value: Any) -> str:
        if value is _ABSENT:
            return "(none)"
        text = _FORMATTERS.get(type(value), _format_json)(value)
        limit = self._limit
        if limit is not None and len(text) > limit:
            return text[: limit - 1] + "…"
        return text

    def _shown(self, obj: dict[str, Any]) -> str:
        """``[player="ann" level=3]``: the --show fields, ``(none)`` when absent."""
        items = []
        for name in self._show:
            value = _lookup(obj, name)
            shown = "(none)" if value is _ABSENT else self._value(value)
            items.append(self._paint(KEY_STYLE, escape_text(name)) + "=" + shown)
        return "[" + " ".join(items) + "]"

    def _field_key(self, key: str) -> str:
        if key in _IMPLICIT_FIELDS or key in self._show:
            shown = ""
        else:
            shown = self._paint(KEY_STYLE, escape_text(key)) + "="
        if len(self._field_keys) >= _CACHE_LIMIT:
            self._field_keys.clear()
        self._field_keys[key] = shown
        return shown

    def _change_key(self, key: str) -> str:
        shown = f"{self._paint(KEY_STYLE, escape_text(key))}: {self._style(OLD_STYLE)}"
        if len(self._change_keys) >= _CACHE_LIMIT:
            self._change_keys.clear()
        self._change_keys[key] = shown
        return shown

    def _fields(self, obj: dict[str, Any]) -> str:
        keys, formatter, fallback, int_type, bool_type = self._value_parts
        items: list[str] = []
        append = items.append
        for key, value in obj.items():
            shown_key = keys(key)
            if shown_key is None:
                shown_key = self._field_key(key)
            if not shown_key:
                continue
            kind = type(value)
            if kind is int_type:
                text = str(value)
            elif kind is bool_type:
                text = "true" if value else "false"
            else:
                text = formatter(kind, fallback)(value)
            append(shown_key + text)
        return " ".join(items)

    def _changes(self, event: TailEvent, original: dict[str, Any], current: dict[str, Any]) -> str:
        _, formatter, fallback, int_type, bool_type = self._value_parts
        keys = self._change_keys.get
        arrow = self._arrow
        reset = self._reset
        items = []
        # ``changed()`` already leaves out the bookkeeping fields.
        for key in event.changed():
            before = original.get(key, _ABSENT)
            after = current.get(key, _ABSENT)
            kind = type(before)
            new_kind = type(after)
            if kind is not new_kind or not isinstance(before, (dict, list)):
                # One leaf, the common case (a number, a flag, a field only one
                # side has): no path list to build, no call for an int or a bool.
                if kind is int_type:
                    old = str(before)
                elif kind is bool_type:
                    old = "true" if before else "false"
                elif before is _ABSENT:
                    old = "(none)"
                else:
                    old = formatter(kind, fallback)(before)
                if new_kind is int_type:
                    new = str(after)
                elif new_kind is bool_type:
                    new = "true" if after else "false"
                elif after is _ABSENT:
                    new = "(none)"
                else:
                    new = formatter(new_kind, fallback)(after)
                items.append(f"{keys(key) or self._change_key(key)}{old}{arrow}{new}{reset}")
                continue
            paths, skipped = changed_paths(key, before, after)
            value_of = self._value
            for path, old_value, new_value in paths:
                old = "(none)" if old_value is _ABSENT else value_of(old_value)
                new = "(none)" if new_value is _ABSENT else value_of(new_value)
                shown_key = keys(path) or self._change_key(path)
                items.append(f"{shown_key}{old}{arrow}{new}{reset}")
            if skipped:
                items.append(f"{escape_text(key)}: (+{skipped} more changes)")
        return ", ".join(items)


class _NoValue:
    """A type no field value has: turns the inline int and bool spellings off."""


def _lookup(obj: dict[str, Any], name: str) -> Any:
    """``obj[name]``, or the dotted path ``a.b`` into nested objects; ``_ABSENT`` if missing."""
    value = obj.get(name, _ABSENT)
    if value is not _ABSENT or "." not in name:
        return value
    value = obj
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return _ABSENT
        value = value[part]
    return value


def _updated_at(obj: dict[str, Any], default: float) -> float:
    """The object's ``updatedAt`` in epoch seconds (a snapshot line's time), else ``default``."""
    value = obj.get("updatedAt")
    if isinstance(value, dict):
        value = value.get("iso")
    if not isinstance(value, str):
        return default
    from datetime import datetime

    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return default
