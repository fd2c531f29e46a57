"""``$regex`` shapes that backtrack catastrophically are refused; everyday patterns are not."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import (
    MAX_REGEX_SUBJECT_LENGTH,
    compile_where,
    matches,
    parse_error_code,
)
from livequery_cli.matching.regex import compile_regex

REFUSED = [
    ("^(a+)+$", "nested quantifier"),
    ("(a*)*", "nested quantifier"),
    ("(.*)*", "nested quantifier"),
    ("(\\w+\\s?)*", "nested quantifier"),
    ("(?:a+)+", "nested quantifier"),
    ("(a{1,3})+", "nested quantifier"),
    ("(x+x+)+y", "nested quantifier"),
    ("(?=(a+)+$)", "nested quantifier"),
    ("(a|aa)+", "alternatives"),
    ("(ab|a)*", "alternatives"),
    ("(cat|c.t)+", "alternatives"),
    ("(a|)+", "alternatives"),
    ("(aa?)+", "optional element"),
    ("(a?)*", "optional element"),
    ("(?=a)*", "can match nothing"),
    ("a*a*x", "adjacent quantifiers"),
    (".*.*x", "adjacent quantifiers"),
    (".*a.*b.*c", "adjacent quantifiers"),
    ("\\d+\\w+", "adjacent quantifiers"),
    (".*(.*)x", "adjacent quantifiers"),
    ("(a)\\1", "backreference"),
    ("(?P<x>a)(?P=x)", "backreference"),
    ("(a)?(?(1)b|c)", "conditional group"),
]


@pytest.mark.parametrize(("pattern", "construct"), REFUSED, ids=[p for p, _ in REFUSED])
def test_catastrophic_shapes_are_refused(pattern: str, construct: str) -> None:
    with pytest.raises(QueryError, match=construct) as refused:
        compile_regex(pattern)
    message = str(refused.value)
    assert "\n" not in message
    assert parse_error_code(refused.value) == 102


@pytest.mark.parametrize("pattern", ["^(a+)+$", "(a|aa)+"])
def test_refused_in_where_and_with_options(pattern: str) -> None:
    with pytest.raises(QueryError, match="refused"):
        compile_where({"name": {"$regex": pattern, "$options": "i"}})


def sdk_quote(text: str) -> str:
    """What the Parse JS SDK's ``quote()`` sends for ``startsWith``/``contains``."""
    return "\\Q" + text.replace("\\E", "\\E\\\\E\\Q") + "\\E"


ACCEPTED = [
    sdk_quote("a+b*(c)"),
    "^" + sdk_quote("(a+)+"),
    sdk_quote("x.*.*y") + "$",
    "^prefix",
    "suffix$",
    "[a-z]+@\\w+\\.com",
    "\\w+@\\w+",
    "^\\d+\\.\\d+$",
    "^\\s*\\w+\\s*$",
    "^[A-Z][a-z]+ [A-Z][a-z]+$",
    "foo.*bar",
    "(\\d{3}-)+",
    "(cat|dog)+",
    "(a|b)+",
    "(ab|ac)*",  # re factors it into a[bc]: unambiguous
    "(?<digits>\\d+)$",
    "(?=.*\\d)^\\w+$",
]


@pytest.mark.parametrize("pattern", ACCEPTED)
def test_everyday_patterns_are_accepted(pattern: str) -> None:
    compile_regex(pattern)
    compile_regex(pattern, "i")


@pytest.mark.parametrize(
    "pattern", ["[a-z]+@\\w+\\.com", "^\\d+\\.\\d+$", "(cat|dog)+$", "foo.*bar"]
)
def test_accepted_patterns_stay_fast_on_hostile_text(pattern: str) -> None:
    search = compile_regex(pattern).search
    started = time.perf_counter()
    for text in ("a" * 5000 + "!", "cat" * 2000 + "!", "1." * 2500 + "x", "foo" * 2000):
        search(text)
    assert time.perf_counter() - started < 2.0


def test_strings_beyond_the_subject_limit_never_match() -> None:
    where = {"s": {"$regex": "x$"}}
    assert matches({"s": "a" * (MAX_REGEX_SUBJECT_LENGTH - 1) + "x"}, where)
    assert not matches({"s": "a" * MAX_REGEX_SUBJECT_LENGTH + "x"}, where)
    assert matches({"s": ["a" * MAX_REGEX_SUBJECT_LENGTH + "x", "x"]}, where)


REGEX_PIECES = st.sampled_from(
    ["a", "b", ".", "\\w", "\\d", "[a-c]", "[^x]", "(", "(?:", "(?=", ")", "|", "*", "+", "?",
     "{2}", "{1,3}", "^", "$", "\\b", "*?", "++"]
)  # fmt: skip


@settings(deadline=None, max_examples=300)
@given(st.lists(REGEX_PIECES, max_size=12).map("".join))
def test_every_compilable_pattern_is_either_accepted_or_refused_cleanly(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error:
        return
    try:
        compiled = compile_regex(pattern)
    except QueryError as refused:
        reason = str(refused)
    else:
        reason = ""
    if reason:
        assert "\n" not in reason
        return
    started = time.perf_counter()
    for text in ("a" * 2000 + "!", "ab" * 1000 + "x", "1a" * 1000):
        compiled.search(text)
    assert time.perf_counter() - started < 2.0, pattern
