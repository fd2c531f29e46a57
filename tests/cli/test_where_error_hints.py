"""``--where`` errors point at the mistake and say what was meant.

Each case runs ``lq explain`` (the same checks as ``lq tail``) and checks
the one-line message and the caret line under the offending text.
"""

from __future__ import annotations

import pytest
from support.cli_run import lq


@pytest.mark.parametrize(
    ("where", "message", "bad"),
    [
        ("a = 1 adn b = 2", "found `adn`; did you mean `and`?", "adn"),
        ("(a = 1 ro b = 2)", "found `ro`; did you mean `or`?", "ro"),
        ("a = 1 && b = 2", "unknown operator `&&`; did you mean `and`?", "&&"),
        ("a ≥ 3", "unknown operator `≥`; did you mean `>=`?", "≥"),
        ("a ≤ 3", "unknown operator `≤`; did you mean `<=`?", "≤"),
        (
            "name contains foo",
            "unknown operator `contains`; for text write a regex, `name ~ WORD`; "
            "for an array field `=` matches an element, `name = VALUE`",
            "contains",
        ),
        (
            "score between 1 and 5",
            "unknown operator `between`; write `score >= LOW and score <= HIGH`",
            "between",
        ),
        ("name ~ /a(b/", "invalid $regex: missing )", "/a(b/"),
        (
            'a = 1 and n ~* "x["',
            "invalid $regex: missing ]",
            '"x["',
        ),
    ],
)
def test_where_error_suggests_and_underlines(where: str, message: str, bad: str) -> None:
    result = lq("explain", "--where", where)
    assert result.status == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("lq: error: ")
    assert message in lines[0]
    assert lines[1] == f"  {where}"
    assert lines[2] == "  " + " " * where.index(bad) + "^" * len(bad)


def test_words_that_hint_are_still_field_names_and_values() -> None:
    for where in ("contains = 1", "name = between", "between exists"):
        assert lq("explain", "--where", where).status == 0, where


@pytest.mark.parametrize(
    ("until", "first_line"),
    [
        ("score adn 3", "lq: error: --until: expected an operator after `score`, found `adn`"),
        ("name ~ /(/", "lq: error: --until: invalid $regex: missing )"),
    ],
)
def test_until_errors_name_the_flag(until: str, first_line: str) -> None:
    result = lq("tail", "Game", "--app-id", "x", "--until", until)
    assert result.status == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith(first_line)
    assert lines[1] == f"  {until}"
    assert "^" in lines[2]
