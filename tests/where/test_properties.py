"""Property tests of the ``--where`` language.

(a) Any text either compiles or raises ``WhereSyntaxError`` with a span inside
    the text; nothing else escapes, and what compiles is valid JSON.
(b) For any syntax tree, printing it and parsing the text back compiles to the
    same ``where`` (and rebuilds the same tree).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from livequery_cli.exceptions import WhereSyntaxError
from livequery_cli.where import compile, compile_where, parse, unparse
from livequery_cli.where.nodes import (
    And,
    Comparison,
    DateValue,
    Existence,
    Membership,
    Node,
    Not,
    Or,
    PointerValue,
    Regex,
    Value,
)
from livequery_cli.where.parser import normalize_pattern

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


def exact(value: Any) -> str:
    return json.dumps(value, sort_keys=True, allow_nan=False)


def check_text(text: str) -> None:
    error: WhereSyntaxError | None = None
    try:
        where = compile_where(text)
    except WhereSyntaxError as exc:
        error = exc
    if error is not None:
        assert error.source == text
        assert 0 <= error.start <= len(text)
        assert error.end > error.start
        assert str(error).isprintable()
        return
    exact(where)  # serializable, no NaN
    tree = parse(text)
    assert parse(unparse(tree)) == tree


# -- (a) arbitrary text ---------------------------------------------------------

FRAGMENTS = [
    "score",
    "level.boss",
    "`a b`",
    "`",
    "name",
    "and",
    "or",
    "not",
    "in",
    "exists",
    "missing",
    "=",
    "==",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "~",
    "~*",
    "=>",
    "!",
    "&&",
    "eq",
    "gt",
    "le",
    "(",
    ")",
    "[",
    "]",
    ",",
    "'",
    '"',
    "\\",
    "/",
    "/x/i",
    "@",
    "@2026-01-01",
    "@2026-01-01T00:00Z",
    "1",
    "-2.5",
    "1e3",
    "1e999",
    "99999999999999999999",
    "true",
    "null",
    "Player:abc",
    "a:b:c",
    '"s"',
    "'t'",
    '"\\u00e9"',
    '"\\x"',
    "$or",
    "{",
    "\udc80",
    "é",
    "\t",
    "\n",
]

token_soup = st.lists(st.sampled_from(FRAGMENTS), max_size=12).flatmap(
    lambda parts: st.lists(
        st.sampled_from(["", " "]), min_size=len(parts), max_size=len(parts)
    ).map(lambda seps: "".join(p + s for p, s in zip(parts, seps, strict=True)))
)


@PROPERTY_SETTINGS
@given(st.text())
def test_any_text_compiles_or_raises_a_syntax_error(text: str) -> None:
    check_text(text)


@PROPERTY_SETTINGS
@given(token_soup)
def test_any_token_soup_compiles_or_raises_a_syntax_error(text: str) -> None:
    check_text(text)


# -- (b) generated syntax trees ----------------------------------------------------

safe_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
identifier = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True)
quoted_segment = safe_text.filter(
    lambda s: s != "" and "`" not in s and "." not in s and not s.startswith("$")
)
path = st.lists(st.one_of(identifier, quoted_segment), min_size=1, max_size=3).map(tuple)

dates = st.datetimes(timezones=st.just(UTC)).map(
    lambda d: DateValue(d.replace(microsecond=d.microsecond - d.microsecond % 1000))
)
pointers = st.builds(
    PointerValue,
    st.from_regex(r"_?[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9_-]{1,10}", fullmatch=True),
)
numbers = st.one_of(st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False))
ordered: st.SearchStrategy[Value] = st.one_of(numbers, safe_text, dates)
scalars: st.SearchStrategy[Value] = st.one_of(
    st.none(), st.booleans(), numbers, safe_text, dates, pointers
)
values: st.SearchStrategy[Value] = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3).map(tuple), max_leaves=6
)


def is_normal_pattern(pattern: str) -> bool:
    try:
        return normalize_pattern(pattern) == pattern
    except ValueError:
        return False


leaves: st.SearchStrategy[Node] = st.one_of(
    st.builds(Comparison, path, st.sampled_from(["eq", "ne"]), values),
    st.builds(Comparison, path, st.sampled_from(["gt", "ge", "lt", "le"]), ordered),
    st.builds(
        Regex,
        path,
        safe_text.filter(is_normal_pattern),
        st.sampled_from(["", "i", "m", "s", "im", "is", "ms", "ims"]),
    ),
    st.builds(Membership, path, st.lists(values, max_size=3).map(tuple), st.booleans()),
    st.builds(Existence, path, st.booleans()),
)
trees: st.SearchStrategy[Node] = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.lists(inner, min_size=2, max_size=3).map(lambda ops: And(tuple(ops))),
        st.lists(inner, min_size=2, max_size=3).map(lambda ops: Or(tuple(ops))),
    ),
    max_leaves=8,
)


@PROPERTY_SETTINGS
@given(trees)
def test_printed_tree_compiles_to_the_same_where(tree: Node) -> None:
    text = unparse(tree)
    assert exact(compile(parse(text))) == exact(compile(tree))
    assert parse(text) == tree


@st.composite
def mutated_expressions(draw: st.DrawFn) -> str:
    """A valid expression with a few characters deleted, inserted or replaced: near-misses."""
    text = unparse(draw(trees))
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["delete", "insert", "replace"]))
        piece = draw(st.sampled_from(FRAGMENTS))
        if edit == "delete":
            text = text[:at] + text[at + 1 :]
        elif edit == "insert":
            text = text[:at] + piece + text[at:]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    return text


@PROPERTY_SETTINGS
@given(mutated_expressions())
def test_near_miss_expressions_compile_or_raise_a_syntax_error(text: str) -> None:
    check_text(text)


def test_dates_before_year_1000_keep_four_digit_years() -> None:
    tree = Comparison(("d",), "lt", DateValue(datetime(999, 1, 2, 3, 4, 5, 6000, tzinfo=UTC)))
    assert unparse(tree) == "d < @0999-01-02T03:04:05.006Z"
    assert compile(parse(unparse(tree))) == {
        "d": {"$lt": {"__type": "Date", "iso": "0999-01-02T03:04:05.006Z"}}
    }
