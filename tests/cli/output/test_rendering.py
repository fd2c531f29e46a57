"""Exact output of every ``lq tail`` format, and terminal escaping of server data."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from livequery_cli.cli.exit_status import UsageError
from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.ndjson import JsonFormat, RawFormat
from livequery_cli.cli.output.pretty import PrettyFormat, format_value
from livequery_cli.cli.output.template import TemplateFormat, compile_template
from livequery_cli.cli.output.terminal_text import escape_text
from livequery_cli.cli.output.timestamps import utc_stamp

TS = 1767268800.123  # 2026-01-01T12:00:00.123Z

GAME: dict[str, Any] = {
    "objectId": "xWMyZ4YEGZ",
    "className": "Game",
    "createdAt": "2026-01-01T11:00:00.000Z",
    "updatedAt": "2026-01-01T12:00:00.000Z",
    "score": 20,
    "name": "b",
}
ORIGINAL: dict[str, Any] = {
    **GAME,
    "score": 10,
    "name": "a",
    "updatedAt": "2026-01-01T11:30:00.000Z",
}


def event(op: str, obj: dict[str, Any] = GAME, original: dict[str, Any] | None = None) -> TailEvent:
    return TailEvent(op, obj, original, class_name="Game", seq=7, ts=TS)


def test_pretty_update_lists_changes_old_to_new_without_color() -> None:
    render = PrettyFormat(color=False, timestamps="utc", now=lambda: TS)
    line = render(event("update", GAME, ORIGINAL))
    assert line == b'12:00:00.123Z update   Game xWMyZ4YEGZ name: "a" -> "b", score: 10 -> 20\n'


def test_pretty_create_lists_own_fields_and_pads_the_op() -> None:
    render = PrettyFormat(color=False, timestamps="utc", now=lambda: TS)
    assert render(event("enter", GAME, GAME)) == b"12:00:00.123Z enter    Game xWMyZ4YEGZ\n"
    assert render(event("create")) == b'12:00:00.123Z create   Game xWMyZ4YEGZ score=20 name="b"\n'


def test_pretty_colors_are_precomputed_ansi() -> None:
    render = PrettyFormat(color=True, timestamps="utc", now=lambda: TS)
    line = render(event("delete", {"objectId": "a1", "n": 1})).decode()
    assert line == (
        "\x1b[2m12:00:00.123Z\x1b[0m \x1b[1;31mdelete  \x1b[0m \x1b[1mGame\x1b[0m "
        "\x1b[34ma1\x1b[0m \x1b[1mn\x1b[0m=1\n"
    )


def test_pretty_shows_dates_and_pointers_as_the_where_language_spells_them() -> None:
    assert format_value({"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"}) == (
        "@2026-01-01T00:00:00.000Z"
    )
    assert format_value({"__type": "Pointer", "className": "Player", "objectId": "p1"}) == (
        "Player:p1"
    )
    assert format_value([1, "x", None]) == '[1,"x",null]'


def test_server_data_cannot_reach_the_terminal_as_control_sequences() -> None:
    hostile = {"objectId": "id\x1b]0;pwned\x07", "name": "a\nb\u202e\x9b31m"}
    render = PrettyFormat(color=False, timestamps="utc", now=lambda: TS)
    line = render(TailEvent("create", hostile, None, class_name="G\x1b[2J", seq=1, ts=TS))
    text = line.decode()
    assert text == (
        '12:00:00.123Z create   G\\e[2J id\\e]0;pwned\\x07 name="a\\nb\\u202e\\x9b31m"\n'
    )
    assert text.count("\n") == 1
    assert "\x1b" not in text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("plain", "plain"), ("tab\there", "tab\\there"), ("\x00\x7f", "\\x00\\x7f"), ("é✓", "é✓")],
)
def test_escape_text(raw: str, shown: str) -> None:
    assert escape_text(raw) == shown


def test_json_envelope_v1_for_update() -> None:
    line = JsonFormat()(event("update", GAME, ORIGINAL))
    assert line.endswith(b"\n")
    assert orjson.loads(line) == {
        "v": 1,
        "kind": "event",
        "sub": 0,
        "op": "update",
        "class": "Game",
        "id": "xWMyZ4YEGZ",
        "ts": "2026-01-01T12:00:00.123Z",
        "seq": 7,
        "object": GAME,
        "original": ORIGINAL,
        "changed": ["name", "score"],
    }
    # Field order is part of the readability of the stream.
    assert line.startswith(b'{"v":1,"kind":"event","sub":0,"op":"update","class":"Game",')


def test_json_envelope_for_create_has_no_original_or_changed() -> None:
    record = orjson.loads(JsonFormat()(event("create")))
    assert "original" not in record
    assert "changed" not in record


def test_changed_lists_removed_fields_and_ignores_updated_at() -> None:
    original = {**GAME, "gone": 1}
    assert event("update", GAME, original).changed() == ["gone"]


def test_raw_is_the_object_only() -> None:
    assert RawFormat()(event("create")) == orjson.dumps(GAME) + b"\n"


def test_utc_stamp_caches_per_millisecond() -> None:
    stamp = utc_stamp()
    assert stamp(TS) == "2026-01-01T12:00:00.123Z"
    assert stamp(TS + 0.0001) == "2026-01-01T12:00:00.123Z"
    assert stamp(TS + 0.0015) == "2026-01-01T12:00:00.124Z"


def test_template_fields_paths_and_escaping() -> None:
    render = TemplateFormat("{op} {id} {object.score} {object.missing}|{changed} {{literal}}")
    assert render(event("update", GAME, ORIGINAL)) == (
        b'update xWMyZ4YEGZ 20 |["name","score"] {literal}\n'
    )
    hostile = TemplateFormat("{object.name}")(event("create", {"name": "a\nb"}))
    assert hostile == b"a\\nb\n"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{nope}", "--template: unknown field 'nope'"),
        ("{op!r}", "--template: format specs and conversions are not supported"),
        ("{op", "--template: expected '}' before end of string"),
        ("{object..x}", "--template: empty field name"),
    ],
)
def test_template_errors_are_usage_errors(template: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        compile_template(template)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    ("choice", "env", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"FORCE_COLOR": "0"}, True, True),
        ("auto", {"TERM": "dumb"}, True, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_color_decision(choice: Any, env: dict[str, str], tty: bool, expected: bool) -> None:
    from livequery_cli.cli.environment import Environment

    environment = Environment(env=env, stdout_isatty=tty, stderr_isatty=tty)
    assert environment.use_color(choice, stream="stdout") is expected
    assert environment.use_color(choice, stream="stderr") is expected


@given(st.text())
def test_escaped_text_never_holds_a_control_character(text: str) -> None:
    escaped = escape_text(text)
    assert not any(
        ord(char) < 0x20
        or 0x7F <= ord(char) <= 0x9F
        or char in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        for char in escaped
    )


@given(st.dictionaries(st.text(), st.one_of(st.text(), st.integers(), st.none())))
def test_pretty_lines_are_always_exactly_one_line(fields: dict[str, Any]) -> None:
    line = PrettyFormat(color=False, timestamps="utc", now=lambda: TS)(
        TailEvent("create", {"objectId": "x", **fields}, None, class_name="G", seq=1, ts=TS)
    )
    assert line.count(b"\n") == 1
    assert line.endswith(b"\n")
    assert b"\x1b" not in line
