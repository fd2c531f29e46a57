"""``$regex``: Perl quoting as the SDKs emit it, ``$options``, caching and limits."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import MAX_REGEX_LENGTH, matches
from livequery_cli.matching.regex import compile_regex, expand_quoting


def sdk_quote(text: str) -> str:
    """What the Parse JS SDK's ``quote()`` sends for ``startsWith``/``contains``."""
    return "\\Q" + text.replace("\\E", "\\E\\\\E\\Q") + "\\E"


EXPANSIONS = [
    ("plain", "^abc$", "^abc$"),
    ("quoted metachars", "\\Qa.b*c\\E", re.escape("a.b*c")),
    ("quoted then pattern", "^\\Q(x)\\E\\d+", "^" + re.escape("(x)") + "\\d+"),
    ("two quoted spans", "\\Qa+\\E|\\Qb?\\E", re.escape("a+") + "|" + re.escape("b?")),
    ("unterminated quote runs to the end", "\\Qa.b", re.escape("a.b")),
    ("stray \\E is dropped", "a\\Eb", "ab"),
    ("escaped backslash before Q is not a quote", "\\\\Q", "\\\\Q"),
]


@pytest.mark.parametrize(
    ("pattern", "expected"), [c[1:] for c in EXPANSIONS], ids=[c[0] for c in EXPANSIONS]
)
def test_expand_quoting(pattern: str, expected: str) -> None:
    assert expand_quoting(pattern) == expected


@settings(deadline=None)
@given(st.text(max_size=40), st.text(max_size=10), st.text(max_size=10))
def test_sdk_quoted_text_matches_literally(text: str, before: str, after: str) -> None:
    haystack = before + text + after
    assert matches({"s": haystack}, {"s": {"$regex": sdk_quote(text)}})
    assert matches({"s": text + after}, {"s": {"$regex": "^" + sdk_quote(text)}})
    assert matches({"s": before + text}, {"s": {"$regex": sdk_quote(text) + "$"}})


OPTION_CASES = [
    ("i", "^HELLO", "hello there", True),
    ("", "^HELLO", "hello there", False),
    ("m", "^there", "hello\nthere", True),
    ("", "^there", "hello\nthere", False),
    ("s", "hello.there", "hello\nthere", True),
    ("", "hello.there", "hello\nthere", False),
    ("x", "hel lo # comment", "hello", True),
    ("ix", "H E L L O", "hello", True),
]


@pytest.mark.parametrize(("options", "pattern", "text", "expected"), OPTION_CASES)
def test_options(options: str, pattern: str, text: str, expected: bool) -> None:
    where = {"s": {"$regex": pattern, "$options": options}}
    assert matches({"s": text}, where) is expected


def test_js_named_groups_are_accepted() -> None:
    assert matches({"s": "ab12"}, {"s": {"$regex": "(?<digits>\\d+)$"}})


def test_compiled_patterns_are_cached() -> None:
    first = compile_regex("^cached-pattern$", "i")
    assert compile_regex("^cached-pattern$", "i") is first
    assert compile_regex("^cached-pattern$", "") is not first


def test_length_limit() -> None:
    compile_regex("a" * MAX_REGEX_LENGTH)
    with pytest.raises(QueryError, match="limit"):
        compile_regex("a" * (MAX_REGEX_LENGTH + 1))
