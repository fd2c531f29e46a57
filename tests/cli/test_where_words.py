"""``--where score gt 100``: expression flags take the words up to the next option.

The README, docs/cli.md and docs/where.md promise that the word operators
need no shell quoting; the shell then passes one argument per word.
"""

from __future__ import annotations

import orjson
import pytest
from support.cli_run import lq

from livequery_cli.cli.where_words import is_option, join_expression_words

APP = ("--app-id", "app")


def compiled(result_stdout: str) -> object:
    return orjson.loads(result_stdout)


def test_explain_takes_the_words_after_where() -> None:
    result = lq("explain", "--where", "score", "gt", "100")
    assert (result.status, result.stderr) == (0, "")
    assert compiled(result.stdout) == {"score": {"$gt": 100}}


def test_explain_with_a_class_and_words_then_an_option() -> None:
    result = lq("explain", "Game", "-w", "score", "ge", "-5", "--keys", "score")
    assert (result.status, result.stderr) == (0, "")
    query = compiled(result.stdout)
    assert query == {"className": "Game", "where": {"score": {"$gte": -5}}, "keys": ["score"]}


@pytest.mark.parametrize("value", ["-5", "-1.5e3", "-0.5"])
def test_a_negative_number_is_a_value_not_an_option(value: str) -> None:
    result = lq("explain", "--where", "score", "lt", value, "--where", "level", "=", "2")
    assert (result.status, result.stderr) == (0, "")
    assert compiled(result.stdout) == {"score": {"$lt": float(value)}, "level": 2}


def test_tail_reads_the_words_as_one_expression() -> None:
    # Before, Click took `score` and complained of "unexpected extra argument(s) (gt 100 and)".
    result = lq("tail", "Game", "--where", "score", "gt", "100", "and", *APP)
    assert result.status == 2
    assert result.stderr.startswith("lq: error: expected a condition after `and`"), result.stderr


def test_until_takes_words_too() -> None:
    result = lq("tail", "Game", "--until", "status", "=", *APP)
    assert result.status == 2
    assert "expected a value after `=`" in result.stderr, result.stderr


def test_inline_form_and_double_dash() -> None:
    assert join_expression_words(["explain", "--where=score", "gt", "1", "--", "x"]) == [
        "explain",
        "--where=score gt 1",
        "--",
        "x",
    ]


def test_a_quoted_expression_is_taken_alone() -> None:
    # A positional may follow an expression that arrived as one argument.
    assert join_expression_words(["explain", "--where", "score > 1", "Game"]) == [
        "explain",
        "--where",
        "score > 1",
        "Game",
    ]


def test_other_commands_are_left_alone() -> None:
    argv = ["serve", "--where", "a", "b"]
    assert join_expression_words(argv) == argv


def test_options_and_values() -> None:
    assert [is_option(t) for t in ("--keys", "-o", "-wx", "--x=1")] == [True] * 4
    assert [is_option(t) for t in ("-5", "-1.5e3", "-.5", "-", "--", "gt")] == [False] * 6


def test_also_groups_keep_their_own_words() -> None:
    argv = ["tail", "A", "-w", "x", "gt", "1", "--also", "B", "--where", "y", "=", "2", "--json"]
    assert join_expression_words(argv) == [
        "tail", "A", "-w", "x gt 1", "--also", "B", "--where", "y = 2", "--json",
    ]  # fmt: skip
