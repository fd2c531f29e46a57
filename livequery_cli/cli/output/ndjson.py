"""The ``--json`` NDJSON envelope (version 1) and ``-o raw``.

Version 1 of the envelope, one JSON object per line::

    {"v":1,"kind":"event","sub":0,"op":"update","class":"Game","id":"xWMyZ4YEGZ",
     "ts":"2026-01-01T12:00:00.123Z","seq":7,"object":{...},"original":{...},
     "changed":["score"]}

``original`` and ``changed`` are present only when the server sent an
original (``update``, ``enter``, ``leave``). ``kind`` is ``"snapshot"`` for
the records of the initial result set (op ``"snapshot"``), and
``"synthetic": true`` marks the differences a resync found. With
``--status-events``, ``{"v":1,"kind":"status","state":...}`` records mark
``synced``, ``resynced``, ``disconnected`` and ``connected``. Fields are only
ever added within a version; docs/cli.md documents each one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.output_format import RecordKind
from livequery_cli.cli.output.terminal_text import escape_json_for_terminal
from livequery_cli.cli.output.timestamps import utc_stamp

ENVELOPE_VERSION = 1
_NEWLINE = orjson.OPT_APPEND_NEWLINE


def envelope(event: TailEvent, stamp: Callable[[float], str]) -> dict[str, Any]:
    """The version-1 envelope of ``event`` as a dict (also what ``--template`` reads)."""
    obj = event.object
    object_id = obj.get("objectId")  # ``TailEvent.object_id``, without a property call per event
    record: dict[str, Any] = {
        "v": ENVELOPE_VERSION,
        "kind": event.kind,
        "sub": event.sub,
        "op": event.op,
        "class": event.class_name,
        "id": object_id if isinstance(object_id, str) else "",
        "ts": stamp(event.ts),
        "seq": event.seq,
        "object": obj,
    }
    original = event.original
    if original is not None:
        record["original"] = original
        record["changed"] = event.changed()
    if event.synthetic:
        record["synthetic"] = True
    return record


def status_record(state: str, ts: str, fields: dict[str, Any]) -> bytes:
    """A ``{"v":1,"kind":"status","state":...}`` line (``--status-events``)."""
    record: dict[str, Any] = {
        "v": ENVELOPE_VERSION,
        "kind": RecordKind.STATUS,
        "state": state,
        "ts": ts,
    }
    record.update(fields)
    return orjson.dumps(record, option=_NEWLINE)


class JsonFormat:
    """Renders events as NDJSON envelope lines.

    ``terminal``: stdout is a terminal, so characters a terminal would act on
    (C1 controls, bidi marks) are written as ``\\u`` escapes; pipes get the
    bytes orjson makes, untouched.
    """

    def __init__(self, *, terminal: bool = False) -> None:
        self._stamp = utc_stamp()
        self._terminal = terminal

    def __call__(self, event: TailEvent) -> bytes:
        line = orjson.dumps(envelope(event, self._stamp), option=_NEWLINE)
        return escape_json_for_terminal(line) if self._terminal else line


class RawFormat:
    """Renders only the object, one JSON document per line (``-o raw``); ``terminal`` as above."""

    def __init__(self, *, terminal: bool = False) -> None:
        self._terminal = terminal

    def __call__(self, event: TailEvent) -> bytes:
        line = orjson.dumps(event.object, option=_NEWLINE)
        return escape_json_for_terminal(line) if self._terminal else line
