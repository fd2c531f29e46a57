"""The pretty formatter as it was before its fast paths: the reference they must match.

``tests/cli/output/test_pretty_equivalence.py`` renders generated events with
this copy and with ``livequery_cli.cli.output.pretty`` and requires identical
bytes, so a speed-up can never change what a person sees.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from support.line_clock_reference import LineClock

from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.nested_diff import ABSENT, changed_paths
from livequery_cli.cli.output.terminal_text import escape_text

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


def _format_dict(value: dict[str, Any]) -> str:
    kind = value.get("__type")
    if kind == "Date" and isinstance(value.get("iso"), str):
        return escape_text("@" + value["iso"])
    if kind == "Pointer":
        return escape_text(f"{value.get('className')}:{value.get('objectId')}")
    return _format_json(value)


def _format_json(value: Any) -> str:
    try:
        return escape_text(_dumps(value).decode())
    except TypeError:
        return escape_text(repr(value))


def _format_bool(value: bool) -> str:
    return "true" if value else "false"


def _format_none(value: None) -> str:
    return "null"


# Exact types as ``orjson.loads`` produces them; anything else (subclasses,
# floats, lists) takes the general path. ``str(int)`` is what orjson writes, and
# what ``repr`` gives for the integers orjson refuses (beyond 64 bits).
_FORMATTERS: dict[type, Callable[[Any], str]] = {
    str: _format_str,
    int: str,
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
        # Without a limit (a file, a pipe, --wide) a value is formatted with no extra call.
        self._value: Callable[[Any], str] = (
            format_value if value_limit is None else self._limited_value
        )
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
        # field name -> painted ``name=`` (create/delete) or ``name: `` + old style.
        self._field_keys: dict[str, str] = {}
        self._change_keys: dict[str, str] = {}

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
        shown_id = escape_text(object_id) if isinstance(object_id, str) else ""
        original = event.original
        if original is None:
            detail = self._fields(obj)
        else:
            detail = self._changes(event, original, obj)
            if not detail and event.op == "update":
                detail = self._paint(TIME_STYLE, "(changed: fields not sent, see --keys)")
        tail = self._resync if event.synthetic else ""
        if self._show:
            tail = f" {self._shown(obj)}{tail}"
        if detail:
            tail = f"{tail} {detail}"
        ts = event.ts
        if event.kind == "snapshot" or event.kind == "object":  # a stored member: its updatedAt
            ts = _updated_at(obj, ts)
        line = f"{self._clock(ts)}{head}{shown_id}{self._reset}{tail}\n"
        return line.encode("utf-8", "surrogateescape")

    def _limited_value(self, value: Any) -> str:
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
        keys = self._field_keys
        shown = self._show
        items = []
        for key, value in obj.items():
            if key in _IMPLICIT_FIELDS or key in shown:
                continue
            shown_key = keys.get(key) or self._field_key(key)
            items.append(shown_key + self._value(value))
        return " ".join(items)

    def _changes(self, event: TailEvent, original: dict[str, Any], current: dict[str, Any]) -> str:
        keys = self._change_keys
        arrow = self._arrow
        reset = self._reset
        value_of = self._value
        items = []
        # ``changed()`` already leaves out the bookkeeping fields.
        for key in event.changed():
            before = original.get(key, _ABSENT)
            after = current.get(key, _ABSENT)
            if type(before) is not type(after) or not isinstance(before, (dict, list)):
                # One leaf, the common case (a number, a string): no path list to build.
                old = "(none)" if before is _ABSENT else value_of(before)
                new = "(none)" if after is _ABSENT else value_of(after)
                shown_key = keys.get(key) or self._change_key(key)
                items.append(f"{shown_key}{old}{arrow}{new}{reset}")
                continue
            paths, skipped = changed_paths(key, before, after)
            for path, old_value, new_value in paths:
                old = "(none)" if old_value is _ABSENT else value_of(old_value)
                new = "(none)" if new_value is _ABSENT else value_of(new_value)
                shown_key = keys.get(path) or self._change_key(path)
                items.append(f"{shown_key}{old}{arrow}{new}{reset}")
            if skipped:
                items.append(f"{escape_text(key)}: (+{skipped} more changes)")
        return ", ".join(items)


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
