"""``$regex`` on RE2: what is refused and why, the ``x`` option, and the bounded cost of a test."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import MAX_REGEX_WORK, compile_where, matches, parse_error_code
from livequery_cli.matching.limits import MAX_REGEX_PROGRAM_SIZE
from livequery_cli.matching.regex import compile_regex
from livequery_cli.matching.regex_syntax import to_re2
from livequery_cli.parse.errors import ErrorCode

REFUSED = [
    ("(?=a)b", "lookahead"),
    ("^(?!admin)", "lookahead"),
    ("(?<=a)b", "lookbehind"),
    ("(?<!a)b", "lookbehind"),
    ("(a)\\1", "backreferences"),
    ("(?<n>a)\\k<n>", "backreferences"),
    ("(?P<n>a)(?P=n)", "backreferences"),
    ("(?>a+)b", "atomic groups"),
    ("a++b", "possessive quantifiers"),
    ("(unclosed", "invalid \\$regex: missing \\)"),
    (".{1000}", "instructions"),
]


@pytest.mark.parametrize(("pattern", "reason"), REFUSED, ids=[p for p, _ in REFUSED])
def test_what_re2_cannot_run_is_refused_with_102_and_a_reason(pattern: str, reason: str) -> None:
    with pytest.raises(QueryError, match=reason) as refused:
        compile_where({"name": {"$regex": pattern, "$options": "i"}})
    assert "\n" not in str(refused.value)
    assert parse_error_code(refused.value) == ErrorCode.INVALID_QUERY


# Shapes the backtracking engine had to refuse (or, for the last three, did not
# refuse and then stalled on), with a string that made it backtrack: RE2 runs
# every one of them in linear time.
A_THEN_BANG = "a" * 100_000 + "!"
A_ONLY = "a" * 100_000
FORMERLY_CATASTROPHIC = [
    ("^(a+)+$", A_THEN_BANG, False),
    ("(a|aa)+$", A_THEN_BANG, False),
    ("(\\w+\\s?)*$", A_THEN_BANG, True),
    ("^(\\w+\\s?)*$", A_THEN_BANG, False),
    ("^(.*)*x", A_ONLY, False),
    ("a*a*a*a*a*x", A_ONLY, False),
    (".*(?:.*)?x", A_ONLY, False),
    ("a*(?:a*)?x", A_ONLY, False),
    ("(?:a*)?(?:a*)?x", A_ONLY + "x", True),
]


@pytest.mark.parametrize(("pattern", "hostile", "expected"), FORMERLY_CATASTROPHIC)
def test_formerly_catastrophic_patterns_run_in_linear_time(
    pattern: str, hostile: str, expected: bool
) -> None:
    compiled = compile_regex(pattern)
    assert len(hostile) <= compiled.max_subject_length
    started = time.perf_counter()
    assert compiled.found_in(hostile) is expected
    assert time.perf_counter() - started < 1.0


def test_the_sdk_contains_query_tests_long_strings() -> None:
    where = {"s": {"$regex": "\\Qneedle\\E"}}
    assert matches({"s": "hay" * 100_000 + "needle"}, where)


def test_strings_beyond_the_work_limit_never_match() -> None:
    compiled = compile_regex("x$")
    limit = compiled.max_subject_length
    assert limit >= 100_000
    assert compiled.found_in("a" * (limit - 1) + "x")
    assert not compiled.found_in("a" * limit + "x")
    assert matches({"s": ["a" * limit + "x", "x"]}, {"s": {"$regex": "x$"}})


def test_every_accepted_pattern_tests_at_least_a_thousand_characters() -> None:
    assert MAX_REGEX_WORK // MAX_REGEX_PROGRAM_SIZE >= 1000


EXTENDED = [
    ("a b c", "abc", True),
    ("a b c # the letters", "abc", True),
    ("a\\ b", "a b", True),
    ("a\\ b", "ab", False),
    ("a[ ]b", "a b", True),
    ("a # comment\n b", "ab", True),
    ("\\Qa b\\E", "a b", True),
    ("a\\#b", "a#b", True),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), EXTENDED)
def test_the_x_option_drops_whitespace_and_comments_as_pcre_does(
    pattern: str, text: str, expected: bool
) -> None:
    assert matches({"s": text}, {"s": {"$regex": "^" + pattern + "$", "$options": "x"}}) is expected


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("\\u00e9", "\\x{00e9}"),
        ("[\\u0041-\\u005A]", "[\\x{0041}-\\x{005A}]"),
        ("end\\Z", "end\\z"),
        ("\\\\u0041", "\\\\u0041"),
        ("[]a]", "[]a]"),
        ("[[:alpha:] ]", "[[:alpha:] ]"),
    ],
)
def test_javascript_and_pcre_escapes_get_their_re2_spelling(pattern: str, expected: str) -> None:
    assert to_re2(pattern, extended=False) == expected


def test_escapes_and_classes_keep_their_meaning() -> None:
    assert matches({"s": "é"}, {"s": {"$regex": "^\\u00e9$"}})
    assert matches({"s": "A"}, {"s": {"$regex": "^[\\u0041-\\u005A]$"}})
    assert not matches({"s": "end\n"}, {"s": {"$regex": "end\\Z"}})
    assert matches({"s": "ÉCOLE"}, {"s": {"$regex": "^école$", "$options": "i"}})


def test_a_lone_surrogate_in_the_value_does_not_raise() -> None:
    assert matches({"s": "a\ud800b"}, {"s": {"$regex": "a.b"}}) in (True, False)


REGEX_PIECES = st.sampled_from(
    ["a", "b", ".", "\\w", "\\d", "[a-c]", "[^x]", "(", "(?:", "(?=", ")", "|", "*", "+", "?",
     "{2}", "{1,3}", "^", "$", "\\b", "*?", "++", "\\1", "{50}"]
)  # fmt: skip


@settings(deadline=None, max_examples=300)
@given(st.lists(REGEX_PIECES, max_size=14).map("".join))
def test_every_pattern_is_either_refused_cleanly_or_fast(pattern: str) -> None:
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
    for text in ("a" * 20_000 + "!", "ab" * 10_000 + "x", "1a" * 10_000):
        compiled.found_in(text)
    assert time.perf_counter() - started < 1.0, pattern
