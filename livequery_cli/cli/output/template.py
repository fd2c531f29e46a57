"""``--template '{op} {object.score}'``: one custom line per event.

Placeholders name fields of the ``--json`` envelope, with dots to reach into
``object`` and ``original`` (``{object.level.boss}``); ``{{`` and ``}}`` are
literal braces. Strings print as-is, other values as compact JSON, a missing
field as nothing. Every value is escaped, so a newline in data cannot split a
line that a script reads with ``while read``.

The template is compiled once at start-up: a bad one is a usage error before
any connection is made.
"""

from __future__ import annotations

import string
from typing import Any

import orjson

from livequery_cli.cli.exit_status import UsageError
from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.ndjson import envelope
from livequery_cli.cli.output.terminal_text import escape_text
from livequery_cli.cli.output.timestamps import utc_stamp

TEMPLATE_FIELDS = frozenset(
    {"v", "kind", "sub", "op", "class", "id", "ts", "seq", "object", "original", "changed"}
)


_Piece = tuple[str, tuple[str, ...] | None]


def compile_template(text: str) -> list[_Piece]:
    """Split ``text`` into literal text and field paths; raise ``UsageError`` when invalid."""
    pieces: list[_Piece] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise UsageError(f"--template: {exc}") from None
    for literal, field_name, spec, conversion in parsed:
        if literal:
            pieces.append((literal, None))
        if field_name is None:
            continue
        if spec or conversion:
            raise UsageError(
                f"--template: format specs and conversions are not supported: {{{field_name}...}}"
            )
        path = tuple(field_name.split("."))
        if not field_name or any(not part for part in path):
            raise UsageError(f"--template: empty field name in {text!r}")
        if path[0] not in TEMPLATE_FIELDS:
            known = ", ".join(sorted(TEMPLATE_FIELDS))
            raise UsageError(f"--template: unknown field {path[0]!r} (fields: {known})")
        pieces.append(("", path))
    return pieces


def lookup_path(record: Any, path: tuple[str, ...]) -> Any:
    """The value at ``path`` in an envelope record (``None`` when absent)."""
    for part in path:
        if isinstance(record, dict):
            record = record.get(part)
        elif isinstance(record, list) and part.isdigit() and int(part) < len(record):
            record = record[int(part)]
        else:
            return None
    return record


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_text(value)
    return escape_text(orjson.dumps(value).decode())


class TemplateFormat:
    """Renders events through a compiled ``--template``."""

    def __init__(self, template: str) -> None:
        self._pieces = compile_template(template)
        self._stamp = utc_stamp()

    def __call__(self, event: TailEvent) -> bytes:
        record = envelope(event, self._stamp)
        out = [
            literal if path is None else _text(lookup_path(record, path))
            for literal, path in self._pieces
        ]
        out.append("\n")
        text = "".join(out)
        try:
            # surrogateescape gives back the bytes of a template argv could not decode
            return text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate no byte stands for
            return text.encode("utf-8", "backslashreplace")
