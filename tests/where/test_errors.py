"""Every malformed ``--where`` names its problem in one line and underlines where it is."""

from __future__ import annotations

import pytest

from livequery_cli.exceptions import QueryError, WhereSyntaxError
from livequery_cli.where import compile_where, parse
from livequery_cli.where.parser import shell_trap_message

NOT_IN = "expected `in` after `x not` (to negate a condition, write `not x ...`)"

# (text, message, caret line under the text)
ERRORS: list[tuple[str, str, str]] = [
    ("", "empty expression", "^"),
    ("   ", "empty expression", "^"),
    ("score >", "expected a value after `>`", "       ^"),
    ("score > ", "expected a value after `>`", "        ^"),
    ("x == = 1", "expected a value after `==`, found `=`", "     ^"),
    ("a = (1)", "expected a value after `=`, found `(`", "    ^"),
    ("x = and", "expected a value after `=`, found `and`", "    ^^^"),
    # operators
    ("x => 5", "unknown operator `=>`; did you mean `>=`?", "  ^^"),
    ("x =< 5", "unknown operator `=<`; did you mean `<=`?", "  ^^"),
    ("x <> 5", "unknown operator `<>`; did you mean `!=`?", "  ^^"),
    ("x === 5", "unknown operator `===`; did you mean `==`?", "  ^^^"),
    ("x =~ a", "unknown operator `=~`; did you mean `~`?", "  ^^"),
    (
        "x !~ a",
        "unknown operator `!~`; to negate a regex, put `not` before the condition (not name ~ ...)",
        "  ^^",
    ),
    ("x ! 5", "unknown operator `!`; did you mean `not`?", "  ^"),
    ("a = 1 && b = 2", "unknown operator `&&`; did you mean `and`?", "      ^^"),
    ("a = 1 || b = 2", "unknown operator `||`; did you mean `or`?", "      ^^"),
    ("x gte 5", "unknown operator `gte`; did you mean `ge`?", "  ^^^"),
    ("x lte 5", "unknown operator `lte`; did you mean `le`?", "  ^^^"),
    ("x is 5", "expected an operator after `x`, found `is`", "  ^^"),
    # strings and escapes
    ('x = "abc', "unterminated string", "    ^^^^"),
    ("x = 'abc", "unterminated string", "    ^^^^"),
    ('x = "ab\\', "unterminated string", "    ^^^^"),
    (
        'x = "\\d"',
        "unknown escape `\\d` in a string (write `\\\\d` for a backslash, "
        "or use /.../ for a regex)",
        "     ^^",
    ),
    ('x = "\\u12"', "`\\u` must be followed by four hex digits", "     ^^^^^"),
    ('x = "\\udc00"', "invalid `\\u` escape: a lone low surrogate", "     ^^^^^^"),
    ('x = "\\ud800"', "invalid `\\u` escape: a high surrogate without its low half", "     ^^^^^^"),
    ("x = \udc80", "the expression contains invalid text (a lone surrogate)", "    ^"),
    # numbers
    ("x = 12:30", "`12:30` is not a number; quote it to use it as a string", "    ^^^^^"),
    ("x = 1.2.3", "`1.2.3` is not a number; quote it to use it as a string", "    ^^^^^"),
    ("x = .5", "`.5` is not a number; quote it to use it as a string", "    ^^"),
    (
        "x = 2026-01-01",
        "`2026-01-01` is not a number; dates start with `@`: @2026-01-01",
        "    ^^^^^^^^^^",
    ),
    (
        "x = 99999999999999999999",
        "`99999999999999999999` is too large: Parse numbers are exact only up to 2^53 "
        "(write it as a float, e.g. 1.5e20, if approximate is fine)",
        "    ^^^^^^^^^^^^^^^^^^^^",
    ),
    (
        "x = 9007199254740993",
        "`9007199254740993` is too large: Parse numbers are exact only up to 2^53 "
        "(write it as a float, e.g. 1.5e20, if approximate is fine)",
        "    ^^^^^^^^^^^^^^^^",
    ),
    ("x = 1e999", "`1e999` is out of range for a number", "    ^^^^^"),
    # dates
    (
        "x = @2026-01-01T10:00",
        "`@2026-01-01T10:00` has no time zone: add `Z` for UTC or an offset like `+02:00`",
        "    ^^^^^^^^^^^^^^^^^",
    ),
    (
        "x = @2026-02-30",
        "`@2026-02-30` is not a valid date: day is out of range for month",
        "    ^^^^^^^^^^^",
    ),
    (
        "x = @2026",
        "`@2026` is not a date: write @2026-01-01 or @2026-01-01T10:00:00Z",
        "    ^^^^^",
    ),
    (
        "x = @2026-01-01T10:00+25:00",
        "`@2026-01-01T10:00+25:00` is not a valid date: +25:00 is not a time zone offset",
        "    ^^^^^^^^^^^^^^^^^^^^^^^",
    ),
    # other values
    (
        "x = http://x",
        "`http://x` is not a pointer (Class:objectId); quote it to use it as a string",
        "    ^^^^^^^^",
    ),
    ("x = $set", "`$set` starts with `$`; quote it to use it as a string", "    ^^^^"),
    (
        "x = in",
        'found the keyword `in` where a value belongs (quote it for the string "in")',
        "    ^^",
    ),
    (
        "x = {a: 1}",
        "unexpected `{`: object values are not supported (use a dotted path: a.b = 1)",
        "    ^",
    ),
    ("x = `a`", "backticks quote field names; use quotes for a string value", "    ^^^"),
    ("x > [1]", "`>` compares numbers, strings and dates, not a list", "    ^^^"),
    ("x > true", "`>` compares numbers, strings and dates, not a boolean", "    ^^^^"),
    ("x < null", "`<` compares numbers, strings and dates, not null", "    ^^^^"),
    (
        "x >= Player:abc",
        "`>=` compares numbers, strings and dates, not a pointer",
        "     ^^^^^^^^^^",
    ),
    # lists
    ("x in 5", "expected a list `[...]` after `in`, found `5`", "     ^"),
    ("x in", "expected a list `[...]` after `in`", "    ^"),
    ("x in [1, 2", "unclosed `[`", "     ^"),
    ("x = [1,", "unclosed `[`", "    ^"),
    ("x in [1 2]", "expected `,` or `]` in the list, found `2`", "        ^"),
    ("x not 5", NOT_IN, "      ^"),
    ("x not", NOT_IN, "  ^^^"),
    # regexes
    ("x = /a/", "a /regex/ is only allowed after `~` or `~*`", "    ^^^"),
    ("x ~ /a/g", "unknown regex flag `g` (use i, m or s)", "       ^"),
    ("x ~ /abc", "unterminated regex (a /regex/ ends with `/`)", "    ^^^^"),
    ('x ~ "a\\\\"', "a regex cannot end with a lone backslash", "    ^^^^^"),
    ("x ~", "expected a pattern after `~` (a /regex/, a quoted string or a word)", "   ^"),
    (
        "x ~ (",
        "expected a pattern after `~` (a /regex/, a quoted string or a word), found `(`",
        "    ^",
    ),
    (
        "x ~* and",
        "expected a pattern after `~*` (a /regex/, a quoted string or a word), found `and`",
        "     ^^^",
    ),
    # structure
    ("(a = 1", "unclosed `(`", "^"),
    ("((a = 1)", "unclosed `(`", "^"),
    ("a = 1 and (b = 2", "unclosed `(`", "          ^"),
    ("a = 1)", "unmatched `)`", "     ^"),
    ("a = 1 b", "expected `and`, `or` or the end of the expression, found `b`", "      ^"),
    ("(a = 1 b)", "expected `and`, `or` or `)`, found `b`", "       ^"),
    (
        "score exists true",
        "expected `and`, `or` or the end of the expression, found `true`",
        "             ^^^^",
    ),
    ("not", "expected a condition after `not`", "   ^"),
    ("(", "expected a condition after `(`", " ^"),
    (")", "expected a condition, found `)`", "^"),
    ("()", "expected a condition, found `)`", " ^"),
    ("a = 1 and", "expected a condition after `and`", "         ^"),
    (
        "and a = 1",
        "expected a condition, found `and` (write `` `and` `` for a field of that name)",
        "^^^",
    ),
    (
        "a = 1 and and b = 2",
        "expected a condition, found `and` (write `` `and` `` for a field of that name)",
        "          ^^^",
    ),
    (
        "a and b = 1",
        "`a` has no comparison (expected an operator such as `=`, `>`, `in`, `exists` after it)",
        "^",
    ),
    (
        "(a) = 1",
        "`a` has no comparison (expected an operator such as `=`, `>`, `in`, `exists` after it)",
        " ^",
    ),
    # field names
    ("$or = 1", "a field name cannot start with `$`: `$or`", "^^^"),
    (
        "1 = 1",
        "`1` is not a field name (letters, digits and `_`, parts joined by `.`; "
        "quote other names with backticks)",
        "^",
    ),
    (
        "a-b = 1",
        "`a-b` is not a field name (letters, digits and `_`, parts joined by `.`; "
        "quote other names with backticks)",
        "^^^",
    ),
    ("`abc = 1", "unterminated `` ` `` (backticks quote a field name)", "^^^^^^^^"),
    ("`` = 1", "empty field name in backticks", "^^"),
    ("`a.b` = 1", "a field name cannot contain `.` (dots separate path parts)", "^^^^^"),
    ("`$x` = 1", "a field name cannot start with `$`", "^^^^"),
    (
        "`a`b = 1",
        "a field name in backticks must be followed by `.` and another name, or end",
        "^^^^",
    ),
]


@pytest.mark.parametrize(("text", "message", "carets"), ERRORS, ids=[e[0] for e in ERRORS])
def test_error_message_and_span(text: str, message: str, carets: str) -> None:
    with pytest.raises(WhereSyntaxError) as info:
        compile_where(text)
    error = info.value
    assert str(error) == message
    assert error.caret_line() == carets
    assert error.source == text
    assert str(error).isprintable()


@pytest.mark.parametrize("path", ["score", "level.boss", "a_b.c9"])
def test_a_lone_field_name_explains_the_shell_redirection_trap(path: str) -> None:
    """``--where score>100`` unquoted: the shell eats ``>100`` and lq receives ``score``."""
    with pytest.raises(WhereSyntaxError) as info:
        parse(f"  {path}  ")
    assert str(info.value) == shell_trap_message(path)
    assert info.value.caret_line() == "  " + "^" * len(path)


def test_shell_trap_message_text() -> None:
    assert shell_trap_message("score") == (
        "`score` has no comparison. If you typed --where score>100 without quotes, "
        "the shell took `>100` as a redirection and created a file named 100: "
        "quote the expression (--where 'score > 100') or use a word operator (score gt 100)"
    )


def test_syntax_errors_are_query_errors() -> None:
    """The CLI maps QueryError to exit status 2; syntax errors belong to that branch."""
    with pytest.raises(QueryError):
        compile_where("score >")


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("(" * 65 + "a = 1" + ")" * 65, 64),
        ("not " * 1000 + "a = 1", 256),
        ("a = " + "[" * 500 + "]" * 500, 68),
    ],
    ids=["parentheses", "not", "lists"],
)
def test_nesting_is_bounded_with_a_clear_error(text: str, at: int) -> None:
    with pytest.raises(WhereSyntaxError) as info:
        compile_where(text)
    assert str(info.value) == "expression nested too deeply (more than 64 levels)"
    assert info.value.start == at


def test_nesting_up_to_the_limit_compiles() -> None:
    assert compile_where("(" * 64 + "a = 1" + ")" * 64) == {"a": 1}
    assert compile_where("not " * 64 + "a = 1") == {"a": 1}
    nested: list[object] = []
    for _ in range(63):
        nested = [nested]
    assert compile_where("a = " + "[" * 64 + "]" * 64) == {"a": nested}
