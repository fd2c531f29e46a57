"""The pretty format's shortcuts give exactly the spelling of the general path.

``PrettyFormat`` skips the JSON encoder and the escaping scan for the common
values and caches what repeats between lines; these tests pin each shortcut to
the reference spelling (``escape_text`` of the orjson encoding), check the
caches stay bounded, and check the colored layout of a change line.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from livequery_cli.cli.output import pretty as pretty_format
from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.pretty import PrettyFormat, format_value
from livequery_cli.cli.output.terminal_text import _UNSAFE, escape_text

TS = 1767268800.123  # 2026-01-01T12:00:00.123Z


def reference_escape(text: str) -> str:
    """The definition: every unsafe character spelled out, the rest kept."""
    return _UNSAFE.sub(lambda m: escape_text(m.group()), text)


@given(st.text())
def test_escape_text_matches_the_regex_definition(text: str) -> None:
    assert escape_text(text) == reference_escape(text)


@pytest.mark.parametrize(
    "text",
    [
        "a\xa0b",
        "\u00ad",
        "é✓ 漢字",
        "\U0001f600",
    ],  # not U+2028: a line break to some terminals, so it is spelled out
)
def test_escape_text_keeps_non_printables_that_are_not_unsafe(text: str) -> None:
    # str.isprintable() rejects these, so they take the regex path: still unchanged.
    assert escape_text(text) == text


@given(st.text())
def test_string_values_are_the_escaped_json_string(text: str) -> None:
    assert format_value(text) == escape_text(orjson.dumps(text).decode())


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("bell\x07", '"bell\\u0007"'),
        ("del\x7f", '"del\\x7f"'),
        (0, "0"),
        (-3, "-3"),
        (2**64, "18446744073709551616"),
        (-(2**63) - 1, "-9223372036854775809"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        (1.5e16, "1.5e+16"),
        (0.1, "0.1"),
        (
            {"__type": "GeoPoint", "latitude": 1.5, "longitude": -2.0},
            '{"__type":"GeoPoint","latitude":1.5,"longitude":-2.0}',
        ),
        ({"__type": "Pointer", "className": None, "objectId": 5}, "None:5"),
        ({"__type": "Date", "iso": "x\x1b"}, "@x\\e"),
        ({"__type": "Date", "iso": 5}, '{"__type":"Date","iso":5}'),
    ],
)
def test_value_spellings(value: Any, shown: str) -> None:
    assert format_value(value) == shown


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
        max_leaves=8,
    )
)
def test_any_json_value_is_its_escaped_json_unless_date_or_pointer(value: Any) -> None:
    if isinstance(value, dict) and value.get("__type") in ("Date", "Pointer"):
        return
    try:
        expected = escape_text(orjson.dumps(value).decode())
    except TypeError:  # integers beyond 64 bits
        expected = escape_text(repr(value))
    assert format_value(value) == expected


def test_colored_change_line_with_resync_and_a_second_query() -> None:
    render = PrettyFormat(color=True, local_time=False)
    line = render(
        TailEvent(
            "update",
            {"objectId": "a1", "n": 2, "s": "x"},
            {"objectId": "a1", "n": 1, "gone": None},
            class_name="Game",
            seq=1,
            ts=TS,
            sub=1,
            synthetic=True,
        )
    )
    arrow = "\x1b[0m \x1b[2m->\x1b[0m \x1b[32m"
    assert line.decode() == (
        "\x1b[2m12:00:00.123\x1b[0m \x1b[1;33mupdate\x1b[0m \x1b[1;96mGame\x1b[0m "
        "\x1b[34ma1\x1b[0m \x1b[2m(resync)\x1b[0m "
        f"\x1b[1mgone\x1b[0m: \x1b[31mnull{arrow}(none)\x1b[0m, "
        f"\x1b[1mn\x1b[0m: \x1b[31m1{arrow}2\x1b[0m, "
        f'\x1b[1ms\x1b[0m: \x1b[31m(none){arrow}"x"\x1b[0m\n'
    )


def test_plain_line_with_unknown_op_and_non_string_id() -> None:
    render = PrettyFormat(color=False, local_time=False)
    line = render(
        TailEvent("we\x1bird", {"objectId": 7, "a": 1}, None, class_name="G", seq=1, ts=TS)
    )
    assert line == b"12:00:00.123 we\\eird G  a=1\n"


def test_caches_of_server_names_stay_bounded() -> None:
    render = PrettyFormat(color=True, local_time=False)
    limit = pretty_format._CACHE_LIMIT
    for i in range(limit + 10):
        obj = {"objectId": "o", f"field{i}": i}
        line = render(TailEvent("create", obj, None, class_name=f"C{i}", seq=i, ts=TS))
        assert f"field{i}\x1b[0m={i}\n".encode() in line
        render(TailEvent("update", obj, {"objectId": "o"}, class_name="C", seq=i, ts=TS))
    assert len(render._field_keys) <= limit
    assert len(render._change_keys) <= limit
    assert len(render._heads) <= limit


def test_the_clock_follows_the_millisecond() -> None:
    render = PrettyFormat(color=False, local_time=False)
    stamps = [
        render(TailEvent("delete", {}, None, class_name="G", seq=1, ts=TS + d))[:12]
        for d in (0, 0.0004, 0.0011, 1)
    ]
    assert stamps == [b"12:00:00.123", b"12:00:00.123", b"12:00:00.124", b"12:00:01.123"]


def test_the_pretty_format_does_not_import_rich() -> None:
    code = "import sys, livequery_cli.cli.output.pretty; print('rich' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "False"
