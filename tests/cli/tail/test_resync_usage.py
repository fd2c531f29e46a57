"""``lq tail``'s sync, --until, --also and failover flags: bad input exits 2 before connecting."""

from __future__ import annotations

import pytest
from support.cli_run import lq

APP = {"LQ_APP_ID": "app"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--status-events"], "--status-events needs --json"),
        (["--exit-status"], "--exit-status needs --until"),
        (["--since", "yesterday"], "--since: 'yesterday' is neither a duration nor a timestamp"),
        (["--until", "status = "], "status = "),
        (["--until", "x $inQuery 1"], ""),
        (["--also", "Player where"], "--also: expected 'CLASS' or 'CLASS where EXPR'"),
        (["--also", "Two Words"], "--also: expected 'CLASS' or 'CLASS where EXPR'"),
        (["--stats", "--stats-interval", "0"], "--stats-interval must be more than 0"),
    ],
)
def test_bad_flags_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = lq("tail", "Game", *args, env=APP)
    assert result.status == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_live_query_url_list_is_checked_item_by_item() -> None:
    result = lq("tail", "Game", env={**APP, "LQ_LIVE_QUERY_URL": "ws://a:1/parse,http://b:2/parse"})
    assert result.status == 2
    assert "live_query_url (from env LQ_LIVE_QUERY_URL) must start with ws:// or wss://" in (
        result.stderr
    )
    assert "b:2" not in result.stderr


def test_query_file_list_cannot_take_where_flags() -> None:
    result = lq(
        "tail",
        "Game",
        "--query-file",
        "-",
        "--where",
        "a = 1",
        stdin='[{"className": "Game"}, {"className": "Player"}]',
        env=APP,
    )
    assert result.status == 2
    assert "cannot be combined with --where" in result.stderr


def test_query_file_list_entries_are_checked() -> None:
    result = lq("tail", "Game", "--query-file", "-", stdin='[{"where": 3}]', env=APP)
    assert result.status == 2
    assert "query 1: 'where' must be a JSON object" in result.stderr


def test_where_flags_after_also_belong_to_it() -> None:
    from livequery_cli.cli.tail.also_order import group_wheres

    argv = ["tail", "Game", "-w", "a = 1", "--also", "Player", "--where=b = 2", "-wc = 3"]
    assert group_wheres(argv, ["a = 1", "b = 2", "c = 3"], ["Player"]) == (
        ["a = 1"],
        [("Player", ["b = 2", "c = 3"])],
    )


def test_a_command_line_that_does_not_match_the_parse_is_not_trusted() -> None:
    from livequery_cli.cli.tail.also_order import group_wheres

    assert group_wheres(["pytest", "-x"], ["a = 1"], ["Player"]) is None


def test_unplaceable_where_with_also_is_refused_not_guessed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A caller of run_tail that passes no command line: the flags' order is unknown.
    import io

    from livequery_cli.cli.commands.tail import run_tail
    from livequery_cli.cli.environment import Environment
    from livequery_cli.cli.tail.args import TailArgs

    monkeypatch.setattr("sys.argv", ["lq"])
    stderr = io.StringIO()
    env = Environment(stdin=io.StringIO(), stdout=io.StringIO(), stderr=stderr, env=APP)
    args = TailArgs(class_name="Game", wheres=["a = 1"], also=["Player"], argv=None)
    assert run_tail(env, args) == 2
    assert "cannot tell which query each --where belongs to" in stderr.getvalue()


@pytest.mark.parametrize("resync", ["--resync", "--no-resync"])
def test_a_live_query_url_that_cannot_work_fails_alike_with_or_without_resync(resync: str) -> None:
    # With resync the socket opens while the start version is read: its failure
    # must still end the run as the failed subscribe does without resync.
    result = lq(
        "tail", "Game", "--server-url", "http://127.0.0.1:9/parse",
        "--live-query-url", "ws://127.0.0.1:99999/parse", resync, env=APP,
    )  # fmt: skip
    assert result.status == 3, result.stderr
    assert "lq: error: cannot connect to <invalid URL>: Port out of range" in result.stderr
