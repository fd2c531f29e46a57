"""``lq tail`` end to end: the installed CLI as a child process against each server.

Every test runs twice, through the rig's ``server`` fixture: against a real
Parse Server 9 and against ``lq serve``, which must be indistinguishable to it.

Every test waits for the ``subscribed`` status line on stderr before writing,
and isolates itself on the shared classes with a unique tag value.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.lq_process import LqProcess
from support.parse_server import ParseServer as ServerHandle  # LqServer has the same interface
from support.rest_writer import make_acl

from livequery_cli.cli.settings.credentials import save_session_token


@pytest.fixture
def lq(server: ServerHandle) -> Iterator[Any]:
    started: list[LqProcess] = []

    def start(*args: str, env: dict[str, str] | None = None, **kwargs: Any) -> LqProcess:
        base = {
            "LQ_SERVER_URL": server.rest_url,
            "LQ_APP_ID": server.app_id,
            "LQ_JS_KEY": server.js_key,
        }
        base.update(env or {})
        proc = LqProcess(args, env=base, **kwargs)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.close()


def _tag_where(tag: str) -> str:
    return f"tag = {tag}"


def test_json_lines_for_all_five_event_types(
    lq: Any, server: ServerHandle, unique_tag: str
) -> None:
    rest = server.rest
    proc = lq("tail", "Game", "--where", _tag_where(unique_tag), "--where", "score gt 10", "--json")
    proc.wait_stderr("subscribed to Game")

    game = rest.create("Game", {"tag": unique_tag, "score": 50})  # create
    rest.update("Game", game["objectId"], {"score": 60})  # update
    rest.update("Game", game["objectId"], {"score": 5})  # leave
    rest.update("Game", game["objectId"], {"score": 70})  # enter
    rest.delete("Game", game["objectId"])  # delete

    records = [json.loads(line) for line in proc.read_stdout(5)]
    assert [r["op"] for r in records] == ["create", "update", "leave", "enter", "delete"]
    assert [r["seq"] for r in records] == [1, 2, 3, 4, 5]
    for record in records:
        assert record["v"] == 1
        assert record["kind"] == "event"
        assert record["class"] == "Game"
        assert record["sub"] == 0
        assert record["id"] == game["objectId"]
        assert record["ts"].endswith("Z")
        assert record["object"]["tag"] == unique_tag
    assert [r["object"]["score"] for r in records] == [50, 60, 5, 70, 70]
    assert "original" not in records[0]
    assert "changed" not in records[0]
    assert records[1]["original"]["score"] == 50
    assert records[1]["changed"] == ["score"]
    assert records[2]["original"]["score"] == 60
    assert records[3]["changed"] == ["score"]
    proc.signal(signal.SIGINT)
    assert proc.wait() == 130


def test_count_exits_zero_after_n_events(lq: Any, server: ServerHandle, unique_tag: str) -> None:
    proc = lq("tail", "Game", "--where", _tag_where(unique_tag), "--count", "2", "-o", "raw")
    proc.wait_stderr("subscribed")
    for score in (1, 2, 3):
        server.rest.create("Game", {"tag": unique_tag, "score": score})
    lines = proc.read_stdout(2)
    assert proc.wait() == 0
    assert [json.loads(line)["score"] for line in lines] == [1, 2]
    assert proc.stdout_lines.get(timeout=5) is None  # nothing after the second event


def test_timeout_exits_124(lq: Any, unique_tag: str) -> None:
    proc = lq("tail", "Game", "--where", _tag_where(unique_tag), "--timeout", "1s")
    proc.wait_stderr("subscribed")
    assert proc.wait() == 124


def test_sigint_unsubscribes_and_exits_130(lq: Any, unique_tag: str) -> None:
    proc = lq("tail", "Game", "--where", _tag_where(unique_tag))
    proc.wait_stderr("subscribed")
    proc.signal(signal.SIGINT)
    assert proc.wait() == 130
    stderr = proc.rest_of_stderr()
    assert "lq: unsubscribed from Game" in stderr
    assert not any("Traceback" in line for line in stderr)


def test_sigterm_exits_143(lq: Any, unique_tag: str) -> None:
    proc = lq("tail", "Game", "--where", _tag_where(unique_tag))
    proc.wait_stderr("subscribed")
    proc.signal(signal.SIGTERM)
    assert proc.wait() == 143


def test_pipe_to_head_ends_quietly(server: ServerHandle, unique_tag: str) -> None:
    """`lq tail ... | head -1`: exit 0, no traceback, nothing on stderr with -q."""
    env = {
        "LQ_SERVER_URL": server.rest_url,
        "LQ_APP_ID": server.app_id,
        "LQ_JS_KEY": server.js_key,
    }
    read_end, write_end = os.pipe()
    head = subprocess.Popen(["head", "-1"], stdin=read_end, stdout=subprocess.PIPE)
    proc = LqProcess(
        ["tail", "Game", "--where", _tag_where(unique_tag), "--json", "--timeout", "60s"],
        env=env,
        stdout=write_end,
    )
    os.close(read_end)
    os.close(write_end)
    try:
        proc.wait_stderr("subscribed")
        for score in range(3):
            server.rest.create("Game", {"tag": unique_tag, "score": score})
        assert head.wait(timeout=30) == 0
        assert head.stdout is not None
        assert json.loads(head.stdout.read())["object"]["score"] == 0
        # The next event hits the closed pipe: lq must notice and end by itself.
        server.rest.create("Game", {"tag": unique_tag, "score": 99})
        assert proc.wait() == 0
        stderr = proc.rest_of_stderr()
        # Only the status lines: no error, no traceback, no "Exception ignored".
        assert all(
            line.startswith(("lq: connected", "lq: subscribed", "lq: unsubscribed"))
            for line in stderr
        ), stderr
    finally:
        proc.close()
        if head.stdout is not None:
            head.stdout.close()


def test_invalid_session_token_is_refused(lq: Any, unique_tag: str) -> None:
    proc = lq(
        "tail",
        "Game",
        "--where",
        _tag_where(unique_tag),
        "--session-token",
        "r:not-a-real-token",
        "--profile",
        "default",
    )
    assert proc.wait() == 4
    stderr = proc.rest_of_stderr()
    errors = [line for line in stderr if line.startswith("lq: error:")]
    assert len(errors) == 1, stderr
    # The token came from the flag: the message blames the flag, not the profile.
    assert "the session token of the --session-token flag is not valid" in errors[0]
    assert "profile" not in errors[0]
    assert "r:not-a-real-token" not in "\n".join(stderr)


def test_unreachable_server_gives_up_after_max_retries(lq: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is free again: nothing listens there.
    proc = lq(
        "tail",
        "Game",
        "--max-retries",
        "1",
        env={"LQ_SERVER_URL": f"http://127.0.0.1:{port}/parse"},
    )
    assert proc.wait() == 3
    stderr = proc.rest_of_stderr()
    assert any("reconnecting in" in line and "(attempt 1)" in line for line in stderr), stderr
    errors = [line for line in stderr if line.startswith("lq: error:")]
    assert len(errors) == 1, stderr
    assert "gave up" in errors[0]


def test_status_lines_follow_a_server_restart(
    lq: Any, server: ServerHandle, unique_tag: str
) -> None:
    proc = lq("tail", "Game", "--where", _tag_where(unique_tag), "--json")
    proc.wait_stderr("subscribed")
    server.kill()
    proc.wait_stderr("lq: disconnected (")
    proc.wait_stderr("lq: reconnecting in ")
    server.restart()
    proc.wait_stderr("lq: reconnected to ws://", timeout=90)
    proc.wait_stderr("lq: subscribed to Game", timeout=30)
    server.rest.create("Game", {"tag": unique_tag, "score": 1})
    (line,) = proc.read_stdout(1)
    assert json.loads(line)["seq"] == 1
    assert proc.process.poll() is None


def test_pretty_output_is_plain_when_piped_and_colored_when_forced(
    lq: Any, server: ServerHandle, unique_tag: str
) -> None:
    plain = lq("tail", "Game", "--where", _tag_where(unique_tag), "--count", "2")
    colored = lq(
        "tail",
        "Game",
        "--where",
        _tag_where(unique_tag),
        "--count",
        "2",
        env={"FORCE_COLOR": "1"},
    )
    templated = lq(
        "tail",
        "Game",
        "--where",
        _tag_where(unique_tag),
        "--count",
        "2",
        "--template",
        "{op} {object.score} {changed}",
    )
    for proc in (plain, colored, templated):
        proc.wait_stderr("subscribed")
    game = server.rest.create("Game", {"tag": unique_tag, "score": 1})
    server.rest.update("Game", game["objectId"], {"score": 2})
    oid = game["objectId"]
    create, update = plain.read_stdout(2)
    assert re.fullmatch(
        rf"\d\d:\d\d:\d\d\.\d{{3}} create   Game {oid} tag=\"{unique_tag}\" score=1", create
    )
    assert re.fullmatch(rf"\d\d:\d\d:\d\d\.\d{{3}} update   Game {oid} score: 1 -> 2", update)
    assert "\x1b[" not in create + update
    colored_lines = colored.read_stdout(2)
    assert "\x1b[1;33mupdate  \x1b[0m" in colored_lines[1]
    assert templated.read_stdout(2) == ["create 1 ", 'update 2 ["score"]']
    for proc in (plain, colored, templated):
        assert proc.wait() == 0


def test_session_token_stored_by_login_reaches_acl_protected_events(
    lq: Any, server: ServerHandle, unique_tag: str, tmp_path: Path
) -> None:
    """`lq tail` uses the token `lq login` stored; without it the private object is withheld."""
    user = server.rest.sign_up(f"u-{unique_tag}", "pw-123456")
    with_token_dir = tmp_path / "with-token"
    with_token_dir.mkdir()
    save_session_token(
        {"LQ_CONFIG_DIR": str(with_token_dir)}, "default", user["sessionToken"], user["username"]
    )
    where = ("--where", _tag_where(unique_tag), "-o", "raw", "--count", "1")
    authed = lq("tail", "Note", *where, env={"LQ_CONFIG_DIR": str(with_token_dir)})
    anonymous = lq("tail", "Note", *where)
    authed.wait_stderr("subscribed")
    anonymous.wait_stderr("subscribed")
    private_acl = make_acl(readers=[user["objectId"]])
    server.rest.create("Note", {"tag": unique_tag, "n": "private"}, acl=private_acl)
    server.rest.create("Note", {"tag": unique_tag, "n": "public"})
    assert json.loads(authed.read_stdout(1)[0])["n"] == "private"
    assert json.loads(anonymous.read_stdout(1)[0])["n"] == "public"
    assert authed.wait() == 0
    assert anonymous.wait() == 0


def test_events_filter_and_keys_projection(lq: Any, server: ServerHandle, unique_tag: str) -> None:
    proc = lq(
        "tail",
        "Game",
        "--where",
        _tag_where(unique_tag),
        "--events",
        "update",
        "--keys",
        "score",
        "--json",
        "--count",
        "1",
    )
    proc.wait_stderr("subscribed")
    game = server.rest.create("Game", {"tag": unique_tag, "score": 1, "name": "x"})
    server.rest.update("Game", game["objectId"], {"score": 2})
    (line,) = proc.read_stdout(1)
    record = json.loads(line)
    assert record["op"] == "update"
    assert record["seq"] == 1  # the create was filtered out before numbering
    assert record["object"]["score"] == 2
    assert "name" not in record["object"]
    assert "tag" not in record["object"]
    assert proc.wait() == 0


def test_invalid_regex_is_a_usage_error_before_connecting(lq: Any) -> None:
    proc = lq("tail", "Game", "--where-json", '{"name": {"$regex": "("}}')
    assert proc.wait() == 2
    errors = [line for line in proc.rest_of_stderr() if line.startswith("lq: error:")]
    assert len(errors) == 1
