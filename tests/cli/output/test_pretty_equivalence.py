"""The fast pretty formatter prints exactly what the formatter before its fast paths printed.

``PrettyFormat`` spells ints, bools and floats inline, keeps one table of
per-field prefixes (including the fields it leaves out) and bakes the clock's
trailing space into its cached text. Each of those is a chance to change a
byte, so generated events (every value type, nested objects and arrays, Parse
typed values, unicode and control characters in names and values, changes of
type, fields present on one side only) are rendered by both, with colors on
and off, with and without ``--show`` and the terminal's value limit, and the
lines must be identical. The same formatter instances render a whole sequence,
so the caches are exercised too.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from support.line_clock_reference import LineClock as ReferenceClock
from support.pretty_reference import PrettyFormat as ReferenceFormat

from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.pretty import DEFAULT_VALUE_LIMIT, PrettyFormat, format_value
from livequery_cli.cli.output.terminal_text import escape_text
from livequery_cli.cli.output.timestamps import TIMESTAMP_STYLES, LineClock

NOW = 1767268800.123  # 2026-01-01T12:00:00.123Z

# Names a person's schema has, the implicit fields, and hostile ones.
_NAMES = st.sampled_from(
    [
        "score",
        "cheatMode",
        "level",
        "tags",
        "a.b",
        "x y",
        "objectId",
        "createdAt",
        "updatedAt",
        "ACL",
    ]
) | st.text(max_size=6)
_TEXT = st.text(max_size=12) | st.sampled_from(["\x1b[31m", "a\nb", "\u202e", "\x7f", 'q"\\', "é"])
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**70)
    | st.floats()
    | _TEXT
)
_TYPED = (
    st.fixed_dictionaries({"__type": st.just("Date"), "iso": _TEXT | st.integers()})
    | st.fixed_dictionaries(
        {"__type": st.just("Pointer"), "className": _TEXT, "objectId": _TEXT | st.none()}
    )
    | st.fixed_dictionaries(
        {"__type": st.just("GeoPoint"), "latitude": st.floats(), "longitude": st.floats()}
    )
    | st.fixed_dictionaries({"__type": _TEXT})
)
_VALUES = st.recursive(
    _SCALARS | _TYPED,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_NAMES, inner, max_size=4),
    max_leaves=10,
)
_OBJECTS = st.dictionaries(_NAMES, _VALUES, max_size=8)


@st.composite
def _events(draw: st.DrawFn) -> TailEvent:
    obj = draw(_OBJECTS)
    if draw(st.booleans()):
        obj["objectId"] = draw(_TEXT | st.integers())
    original: dict[str, Any] | None = None
    if draw(st.booleans()):
        # Mostly the same object with a few fields changed, removed or added,
        # as an update looks; sometimes an unrelated one.
        original = dict(obj) if draw(st.integers(0, 3)) else draw(_OBJECTS)
        for key in draw(st.lists(_NAMES, max_size=4)):
            action = draw(st.integers(0, 2))
            if action == 0:
                original.pop(key, None)
            else:
                original[key] = draw(_VALUES)
    return TailEvent(
        draw(
            st.sampled_from(["create", "update", "enter", "leave", "delete", "snapshot", "x\x1b"])
        ),
        obj,
        original,
        class_name=draw(st.sampled_from(["GameScore", "_User", "A\x1bB"])),
        seq=1,
        ts=NOW - draw(st.floats(min_value=0, max_value=3 * 86400)),
        sub=draw(st.integers(0, 7)),
        kind=draw(st.sampled_from(["event", "snapshot", "object"])),
        synthetic=draw(st.booleans()),
    )


@settings(max_examples=300, deadline=None)
@given(
    events=st.lists(_events(), min_size=1, max_size=6),
    color=st.booleans(),
    limit=st.sampled_from([None, DEFAULT_VALUE_LIMIT, 4]),
    show=st.lists(_NAMES, max_size=3).map(tuple),
    timestamps=st.sampled_from(TIMESTAMP_STYLES),
    class_width=st.integers(0, 12),
)
def test_lines_are_byte_identical_to_the_reference_formatter(
    events: list[TailEvent],
    color: bool,
    limit: int | None,
    show: tuple[str, ...],
    timestamps: str,
    class_width: int,
) -> None:
    options: dict[str, Any] = {
        "color": color,
        "timestamps": timestamps,
        "show": show,
        "value_limit": limit,
        "class_width": class_width,
        "now": lambda: NOW,
    }
    fast = PrettyFormat(**options)
    reference = ReferenceFormat(**options)
    for event in events:
        assert fast(event) == reference(event)


@given(st.floats())
def test_float_spelling_is_the_escaped_orjson_encoding(value: float) -> None:
    assert format_value(value) == escape_text(orjson.dumps(value).decode())


@given(
    times=st.lists(st.floats(min_value=NOW - 5 * 86400, max_value=NOW + 86400), max_size=8),
    style=st.sampled_from(TIMESTAMP_STYLES),
    color=st.booleans(),
)
def test_the_clock_column_is_identical_to_the_reference_clock(
    times: list[float], style: str, color: bool
) -> None:
    before, after = ("\x1b[2m", "\x1b[0m") if color else ("", "")
    fast = LineClock(style, before=before, after=after, now=lambda: NOW)
    reference = ReferenceClock(style, before=before, after=after, now=lambda: NOW)
    for ts in [*times, NOW, NOW - 0.0004, *times]:
        assert fast(ts) == reference(ts)
