"""``--template``: any text compiles or is a one-line usage error; any event renders as one line.

A tail's output is read line by line by scripts, so whatever an object holds
(newlines, control characters, nested values) a rendered event is exactly one
line, and rendering never raises.
"""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from livequery_cli.cli.exit_status import UsageError
from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.template import TEMPLATE_FIELDS, TemplateFormat, compile_template

# What orjson can decode from a frame: 64-bit integers, finite floats, valid Unicode.
wire_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
wire_values = st.recursive(
    wire_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=15,
)
field_paths = st.builds(
    lambda head, rest: ".".join([head, *rest]),
    st.sampled_from(sorted(TEMPLATE_FIELDS)),
    st.lists(st.one_of(st.text(min_size=1, max_size=6), st.sampled_from(["0", "1", "a"])),
             max_size=3),
)  # fmt: skip
# The template's own literal text is the user's choice; only data must not break lines.
literals = st.text(alphabet=st.characters(blacklist_characters="\n\r"), max_size=10)
templates = st.lists(
    st.one_of(literals, field_paths.map(lambda path: "{" + path + "}")), max_size=6
).map("".join)


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_any_text_compiles_or_is_a_usage_error(text: str) -> None:
    message = ""
    try:
        compile_template(text)
    except UsageError as error:
        message = str(error).replace(repr(text), "")
    assert "\n" not in message, message


@settings(max_examples=300)
@example(template="\ud800", obj={}, original=None, op="create")  # a lone surrogate
@given(
    template=templates,
    obj=st.dictionaries(st.text(max_size=8), wire_values, max_size=5),
    original=st.one_of(st.none(), st.dictionaries(st.text(max_size=8), wire_values, max_size=5)),
    op=st.sampled_from(["create", "update", "enter", "leave", "delete"]),
)
def test_every_event_renders_as_exactly_one_line(
    template: str, obj: dict[str, Any], original: dict[str, Any] | None, op: str
) -> None:
    try:
        render = TemplateFormat(template)
    except UsageError:
        return
    event = TailEvent(op, {"objectId": "x", **obj}, original, class_name="Game", seq=1, ts=0.0)
    line = render(event)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1, line
    assert b"\r" not in line, line
