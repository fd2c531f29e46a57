"""``$regex`` on RE2 against Parse's LiveQuery (JavaScript ``RegExp``), pattern by pattern.

The general differential test only draws a handful of patterns; this one
pins the syntax where an engine change could show: classes, anchors,
options, escapes, case folding, and the attack patterns on short strings.
Each row is evaluated by Parse Server 9's ``QueryTools.matchesQuery`` in Node
and by this matcher, and both must agree.
"""

from __future__ import annotations

import pytest
from matching.test_parse_differential import ParseMatcher, parse_matcher  # noqa: F401

from livequery_cli.matching import compile_where

pytestmark = pytest.mark.parse_server

# (pattern, options, value)
CASES = [
    ("^\\d+$", "", "123"),
    ("^\\d+$", "", "١٢٣"),  # Arabic-Indic digits: \d is ASCII in both
    ("^\\w+$", "", "école"),
    ("\\bfoo\\b", "", "a foo b"),
    ("\\bfoo\\b", "", "afoob"),
    ("^abc$", "", "abc\n"),
    ("^b$", "m", "a\nb\nc"),
    ("^b$", "", "a\nb\nc"),
    ("a.b", "", "a\nb"),
    ("a.b", "s", "a\nb"),
    ("^ÉCOLE$", "i", "école"),
    ("^straße$", "i", "STRASSE"),
    ("\\u00e9", "", "é"),
    ("\\x41", "", "A"),
    ("[\\]a]", "", "]"),
    ("^a{2,3}$", "", "aaaa"),
    ("^x*$", "", ""),
    ("(?:ab)+c", "", "ababc"),
    ("a|b|c", "", "zzc"),
    ("^[^\\n]+$", "", "one line"),
    ("(?<year>\\d{4})-\\d{2}", "", "2024-05"),
    ("\\.", "", "no dot"),
    ("\\s", "", "a\tb"),
    ("^\\S+$", "", "tab\there"),
    (".*(?:.*)?x", "", "aaaax"),
    ("a*(?:a*)?x", "", "aaaa"),
    ("(?:a*)?(?:a*)?x", "", "x"),
    ("^(a+)+$", "", "aaaa"),
    ("😀", "", "smile 😀"),
]

# Where RE2 reads a pattern differently from JavaScript (documented in ``regex``):
# (pattern, options, value, what Parse's LiveQuery answers).
DIFFERENT = [
    ("^.$", "", "😀", False),  # JavaScript counts UTF-16 units; RE2 (and MongoDB) code points
    ("\\s", "", "\u00a0", True),  # RE2's \s is ASCII whitespace only
    ("a.b", "", "a\rb", False),  # JavaScript's . also stops at \r, \u2028, \u2029
]


@pytest.mark.parametrize(("pattern", "options", "value"), CASES)
def test_regex_agrees_with_parse_live_query(
    parse_matcher: ParseMatcher,  # noqa: F811
    pattern: str,
    options: str,
    value: str,
) -> None:
    obj = {"objectId": "o1", "s": value}
    where = {"s": {"$regex": pattern, "$options": options}}
    [theirs] = parse_matcher.evaluate([(obj, where)])
    assert compile_where(where)(obj) is theirs


@pytest.mark.parametrize(("pattern", "options", "value", "parse_says"), DIFFERENT)
def test_known_regex_differences_from_parse_live_query(
    parse_matcher: ParseMatcher,  # noqa: F811
    pattern: str,
    options: str,
    value: str,
    parse_says: bool,
) -> None:
    obj = {"objectId": "o1", "s": value}
    where = {"s": {"$regex": pattern, "$options": options}}
    assert parse_matcher.evaluate([(obj, where)]) == [parse_says]
    assert compile_where(where)(obj) is not parse_says
