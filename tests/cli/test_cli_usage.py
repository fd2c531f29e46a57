"""Exact output and exit status of ``lq`` for usage errors, ``--where`` errors and ``explain``.

Everything here runs in-process with an injected ``Environment``: no server,
and every check happens before a connection would be attempted.
"""

from __future__ import annotations

import pytest
from support.cli_run import lq

from livequery_cli import __version__

APP = ("--app-id", "app")


def test_version() -> None:
    result = lq("--version")
    assert (result.status, result.stdout, result.stderr) == (0, f"lq {__version__}\n", "")


def test_help_lists_commands_and_exit_statuses() -> None:
    result = lq("--help")
    assert result.status == 0
    for command in ("tail", "explain", "config", "completions", "login", "serve"):
        assert f"\n  {command} " in result.stdout
    assert "124 time limit" in result.stdout


def test_unknown_flag_is_a_usage_error() -> None:
    result = lq("tail", "Game", "--bogus")
    assert result.status == 2
    assert result.stdout == ""
    assert "No such option: --bogus" in result.stderr


def test_where_syntax_error_shows_source_and_caret() -> None:
    result = lq("tail", "Game", "--where", "score >", *APP)
    assert result.status == 2
    assert result.stdout == ""
    assert result.stderr == "lq: error: expected a value after `>`\n  score >\n         ^\n"


def test_unquoted_shell_redirection_is_explained() -> None:
    # `lq tail Game --where score>100` reaches lq as `--where score`.
    result = lq("explain", "--where", "score")
    assert result.status == 2
    first, source, caret = result.stderr.splitlines()
    assert "created a file named 100" in first
    assert (source, caret) == ("  score", "  ^^^^^")


def test_explain_prints_the_compiled_where() -> None:
    result = lq(
        "explain", "--where", "score gt 100", "--where", "level.boss = true", stdout_isatty=True
    )
    assert result.status == 0
    assert result.stdout == '{\n  "score": {\n    "$gt": 100\n  },\n  "level.boss": true\n}\n'


def test_explain_with_class_prints_the_subscribe_query() -> None:
    result = lq(
        "explain", "Game", "--where-json", '{"a": 1}', "--keys", "a,b", "--watch-fields", "a",
        stdout_isatty=True,
    )  # fmt: skip
    assert result.status == 0
    assert result.stdout == (
        '{\n  "className": "Game",\n  "where": {\n    "a": 1\n  },\n'
        '  "keys": [\n    "a",\n    "b"\n  ],\n  "watch": [\n    "a"\n  ]\n}\n'
    )


@pytest.mark.parametrize("operator", ["$inQuery", "$select", "$relatedTo", "$bogus"])
def test_operators_livequery_never_matches_are_rejected(operator: str) -> None:
    result = lq("explain", "--where-json", f'{{"a": {{"{operator}": {{}}}}}}')
    assert result.status == 2
    assert result.stdout == ""
    assert result.stderr.startswith("lq: error: ")
    assert operator in result.stderr
    assert result.stderr.count("\n") == 1


def test_where_json_and_where_are_anded() -> None:
    result = lq("explain", "--where", "a = 1", "--where-json", '{"a": {"$ne": 3}}')
    assert result.status == 0
    assert '"$and"' in result.stdout


def test_query_file_from_stdin() -> None:
    query = '{"where": {"s": 1}, "watch": ["s"]}'
    result = lq("explain", "Game", "--query-file", "-", stdin=query, stdout_isatty=True)
    assert result.status == 0
    assert '"watch": [\n    "s"\n  ]' in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--count", "0"), "lq: error: --count must be at least 1\n"),
        (
            ("--timeout", "soon"),
            "lq: error: --timeout: invalid duration 'soon' "
            "(examples: 30, 1.5s, 250ms, 5m, 1h30m)\n",
        ),
        (
            ("--color", "sometimes"),
            "lq: error: --color: unknown value 'sometimes' (choose auto, always or never)\n",
        ),
        (("-o", "xml"), "lq: error: --output: unknown format 'xml' (choose pretty, json or raw)\n"),
        (
            ("--json", "--template", "{op}"),
            "lq: error: --json, --output and --template are mutually exclusive\n",
        ),
        (
            ("--events", "create,upsert"),
            "lq: error: --events: unknown event type 'upsert' "
            "(choose from create, update, enter, leave, delete)\n",
        ),
        (
            ("--keys", "a,,b"),
            "lq: error: --keys: empty name in 'a,,b' (expected a comma-separated list)\n",
        ),
        (("--where-json", "[1]"), "lq: error: --where-json: expected a JSON object\n"),
        (
            ("--template", "{nope}"),
            "lq: error: --template: unknown field 'nope' (fields: "
            "changed, class, id, kind, object, op, original, seq, sub, ts, v)\n",
        ),
    ],
)
def test_bad_flag_values_are_one_line_usage_errors(args: tuple[str, ...], message: str) -> None:
    result = lq("tail", "Game", *args, *APP)
    assert (result.status, result.stdout, result.stderr) == (2, "", message)


def test_missing_app_id_is_a_usage_error_naming_the_profile() -> None:
    result = lq("tail", "Game")
    assert result.status == 2
    assert result.stderr == (
        "lq: error: no application id: pass --app-id, set LQ_APP_ID, or set app_id in "
        "profile 'default' (see `lq config show`)\n"
    )


def test_unknown_profile_is_a_usage_error() -> None:
    result = lq("tail", "Game", "--profile", "prod", *APP)
    assert result.status == 2
    assert result.stderr.startswith("lq: error: profile 'prod' not found")


def test_url_with_the_wrong_scheme_names_its_source() -> None:
    result = lq("tail", "Game", *APP, env={"LQ_LIVE_QUERY_URL": "http://h/parse"})
    assert result.status == 2
    assert result.stderr == (
        "lq: error: live_query_url (from env LQ_LIVE_QUERY_URL) must start with ws:// or wss://\n"
    )


def test_only_one_flag_can_read_stdin() -> None:
    result = lq("tail", "Game", *APP, "--query-file", "-", "--session-token-file", "-")
    assert result.status == 2
    assert result.stderr == (
        "lq: error: only one of --query-file and --session-token-file can read stdin ('-')\n"
    )
