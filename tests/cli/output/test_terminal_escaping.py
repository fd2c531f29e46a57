"""What a terminal would act on never reaches it raw, in any output format.

Pretty and template lines spell line/paragraph separators and the Arabic
letter mark out like the other bidi marks; ``--json`` and ``-o raw`` written
to a terminal spell DEL, C1 controls and bidi marks as ``\\u`` escapes (the
JSON document is the same), while a pipe gets orjson's bytes untouched.
"""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.ndjson import JsonFormat, RawFormat
from livequery_cli.cli.output.template import TemplateFormat
from livequery_cli.cli.output.terminal_text import escape_json_for_terminal, escape_text

# What a terminal must never see raw: DEL, C1, bidi marks, overrides, isolates,
# and the Unicode line and paragraph separators.
ACTIVE = (
    "\x7f\x85\x9b\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069"
)
HOSTILE = {"objectId": "x", "name": "a\u2028b\u2029c\u061cd\u202e\x9b31m\x7f"}


def _event() -> TailEvent:
    return TailEvent("create", HOSTILE, None, class_name="Game", seq=1, ts=1.0)


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\u061c"])
def test_separators_and_the_arabic_letter_mark_are_spelled_out(char: str) -> None:
    assert escape_text(f"a{char}b") == f"a\\u{ord(char):04x}b"


def test_a_template_line_escapes_them() -> None:
    line = TemplateFormat("{object.name}")(_event()).decode()
    assert not set(line) & set(ACTIVE)
    assert "\\u2028" in line


@pytest.mark.parametrize("make", [JsonFormat, RawFormat])
def test_json_on_a_terminal_escapes_them_and_stays_the_same_document(make: type) -> None:
    line = make(terminal=True)(_event())
    assert not set(line.decode()) & set(ACTIVE)
    assert orjson.loads(line) == orjson.loads(make(terminal=False)(_event()))


@pytest.mark.parametrize("make", [JsonFormat, RawFormat])
def test_json_into_a_pipe_is_left_as_orjson_wrote_it(make: type) -> None:
    line = make(terminal=False)(_event())
    assert "\u202e" in line.decode()


@given(st.dictionaries(st.text(max_size=5), st.text(), max_size=4))
def test_any_document_stays_equal_and_inert(document: dict[str, str]) -> None:
    line = orjson.dumps(document)
    escaped = escape_json_for_terminal(line)
    assert orjson.loads(escaped) == document
    assert not set(escaped.decode()) & set(ACTIVE)
