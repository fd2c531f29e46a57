"""``lq tail`` says why it ended and warns about a class that does not exist.

A tail that stops on ``--timeout``/``--idle`` used to exit 124 in silence,
and ``lq tail game`` (for ``Game``) subscribed and printed nothing forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from support.lq_process import LqProcess
from support.lq_server import LqServer

from livequery_cli.cli.tail.class_check import missing_class_warning


@pytest.fixture
def tail(lq_server: LqServer) -> Iterator[Any]:
    lq_server.ensure_running()
    started: list[LqProcess] = []

    def start(*args: str, master: bool = False) -> LqProcess:
        env = {
            "LQ_SERVER_URL": lq_server.rest_url,
            "LQ_APP_ID": lq_server.app_id,
            "LQ_JS_KEY": lq_server.js_key,
        }
        if master:
            env["LQ_MASTER_KEY"] = lq_server.master_key
        proc = LqProcess(["tail", *args], env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.close()


def test_timeout_says_why_the_tail_ended(tail: Any) -> None:
    proc = tail("Game", "--where", "score gt 1000000", "--timeout", "1s")
    assert proc.wait() == 124
    assert "lq: stopped: --timeout 1s reached (exit 124)" in proc.rest_of_stderr()


def test_idle_says_why_the_tail_ended(tail: Any) -> None:
    proc = tail("Game", "--where", "score gt 1000000", "--idle", "500ms")
    assert proc.wait() == 124
    assert "lq: stopped: no event for 500ms (--idle; exit 124)" in proc.rest_of_stderr()


def test_quiet_keeps_the_ending_silent(tail: Any) -> None:
    proc = tail("Game", "--where", "score gt 1000000", "--timeout", "500ms", "-q")
    assert proc.wait() == 124
    assert proc.rest_of_stderr() == []


def test_missing_class_warns_once_with_a_suggestion(tail: Any, lq_server: LqServer) -> None:
    lq_server.rest.create("Game", {"score": 1})
    proc = tail("game", "--timeout", "3s", master=True)
    assert proc.wait() == 124
    stderr = proc.rest_of_stderr()
    warnings = [line for line in stderr if "no class" in line]
    assert warnings == ["lq: warning: no class 'game'; did you mean 'Game'?"], stderr


def test_existing_class_and_no_master_key_say_nothing(tail: Any, lq_server: LqServer) -> None:
    lq_server.rest.create("Game", {"score": 1})
    for proc in (tail("Game", "--timeout", "2s", master=True), tail("game", "--timeout", "2s")):
        assert proc.wait() == 124
        assert not [line for line in proc.rest_of_stderr() if "no class" in line]


@pytest.mark.parametrize(
    ("name", "known", "expected"),
    [
        ("Game", ["Game"], None),
        ("game", ["Game", "Player"], "no class 'game'; did you mean 'Game'?"),
        ("Plyer", ["Game", "Player"], "no class 'Plyer'; did you mean 'Player'?"),
        ("Zebra", ["Game"], "no class 'Zebra' on the server yet (no objects, no schema)"),
    ],
)
def test_missing_class_warning(name: str, known: list[str], expected: str | None) -> None:
    assert missing_class_warning(name, known) == expected
