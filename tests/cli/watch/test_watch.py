"""``lq watch`` as a person sees it: a real pseudo-terminal, rendered by a terminal emulator.

``pyte`` plays the terminal: what ``lq watch`` writes to the pty is rendered
on a 120x30 screen, and the tests read rows off that screen, send keys, and
check that the terminal is given back (main screen, cursor shown) however
the command ends. ``--once`` (and a stdout that is not a terminal) prints the
table once, checked line by line.
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator
from typing import Any

import pyte
import pytest
from support.cli_run import lq
from support.lq_server import LqServer
from support.waiting import until

COLUMNS, LINES = 120, 30


class PtyWatch:
    """``lq watch`` on a pseudo-terminal, its output rendered by ``pyte``."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        self.master = master
        self.screen = pyte.Screen(COLUMNS, LINES)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.lock = threading.Lock()
        full_env = {**os.environ, **env, "TERM": "xterm-256color", "COLUMNS": "", "LINES": ""}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "livequery_cli", "watch", *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=full_env,
            start_new_session=True,
        )
        os.close(slave)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.raw += data
                self.stream.feed(data)

    def lines(self) -> list[str]:
        with self.lock:
            return [line.rstrip() for line in self.screen.display]

    def row_order(self, names: list[str]) -> list[str]:
        """The names in the order their rows appear on screen."""
        found = []
        for line in self.lines():
            for name in names:
                if f" {name} " in line and name not in found:
                    found.append(name)
        return found

    def send(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        os.close(self.master)
        self.reader.join(5)


@pytest.fixture
def watch(lq_server: LqServer) -> Iterator[Any]:
    started: list[PtyWatch] = []
    env = {
        "LQ_SERVER_URL": lq_server.rest_url,
        "LQ_APP_ID": lq_server.app_id,
        "LQ_JS_KEY": lq_server.js_key,
        "LQ_MASTER_KEY": lq_server.master_key,
    }

    def start(*args: str) -> PtyWatch:
        proc = PtyWatch(list(args), env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.close()


def _players(server: LqServer, tag: str) -> dict[str, str]:
    ids = {}
    for name, score in (("ann", 30), ("bob", 10), ("cyd", 20)):
        ids[name] = server.rest.create("Game", {"tag": tag, "name": name, "score": score})[
            "objectId"
        ]
    return ids


def _restored(raw: bytes) -> bool:
    """The last screen-mode sequences leave the alternate screen and show the cursor."""
    return raw.rfind(b"\x1b[?1049l") > raw.rfind(b"\x1b[?1049h") and raw.rfind(
        b"\x1b[?25h"
    ) > raw.rfind(b"\x1b[?25l")


def test_rows_are_sorted_updated_in_place_and_q_restores_the_terminal(
    watch: Any, lq_server: LqServer, unique_tag: str
) -> None:
    ids = _players(lq_server, unique_tag)
    screen = watch(
        "Game", "--where", f"tag = {unique_tag}", "--columns", "name,score", "--sort", "-score"
    )
    names = ["ann", "bob", "cyd"]
    until(
        lambda: screen.row_order(names) == ["ann", "cyd", "bob"],
        timeout=20,
        what="the three rows, highest score first",
    )
    assert any("3 objects" in line for line in screen.lines())
    lq_server.rest.update("Game", ids["bob"], {"score": 99})
    until(
        lambda: screen.row_order(names) == ["bob", "ann", "cyd"],
        timeout=20,
        what="bob's new score moving his row to the top",
    )
    assert any("bob" in line and "99" in line for line in screen.lines())
    lq_server.rest.delete("Game", ids["ann"])
    until(lambda: screen.row_order(names) == ["bob", "cyd"], timeout=20, what="ann's row to leave")
    screen.send(b"s")  # next sort: the first column, name ascending
    until(
        lambda: any("name ▲" in line for line in screen.lines()),
        timeout=20,
        what="sorting by name",
    )
    assert screen.row_order(names) == ["bob", "cyd"]
    screen.send(b"q")
    assert screen.process.wait(15) == 0
    screen.reader.join(5)
    assert _restored(bytes(screen.raw))


def test_sigterm_ends_it_with_143_and_restores_the_terminal(
    watch: Any, lq_server: LqServer, unique_tag: str
) -> None:
    _players(lq_server, unique_tag)
    screen = watch("Game", "--where", f"tag = {unique_tag}", "--columns", "name")
    until(lambda: "ann" in screen.row_order(["ann"]), timeout=20, what="the first rows")
    os.killpg(screen.process.pid, signal.SIGTERM)
    assert screen.process.wait(15) == 143
    screen.reader.join(5)
    assert _restored(bytes(screen.raw))


def test_once_prints_the_table_in_sort_order(lq_server: LqServer, unique_tag: str) -> None:
    _players(lq_server, unique_tag)
    env = {"LQ_SERVER_URL": lq_server.rest_url, "LQ_APP_ID": lq_server.app_id,
           "LQ_JS_KEY": lq_server.js_key, "COLUMNS": "80"}  # fmt: skip
    result = lq("watch", "Game", "--where", f"tag = {unique_tag}", "--columns", "name,score",
                "--sort", "score", env=env)  # fmt: skip
    assert result.status == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("│")]
    assert [row.split("│")[3].strip() for row in rows] == ["bob", "cyd", "ann"]
    assert "3 objects" in result.stdout


def test_a_bad_sort_is_a_usage_error() -> None:
    result = lq("watch", "Game", "--sort", "-", env={"LQ_APP_ID": "app"})
    assert result.status == 2
    assert "--sort" in result.stderr


def test_under_a_burst_the_screen_refreshes_at_a_bounded_rate_and_stays_exact(
    watch: Any, lq_server: LqServer, unique_tag: str
) -> None:
    import time

    screen = watch("Game", "--where", f"tag = {unique_tag}", "--columns", "n")
    until(lambda: any("0 objects" in line for line in screen.lines()), timeout=20, what="a table")
    with screen.lock:
        frames_before = bytes(screen.raw).count(b"\x1b[H")
    started = time.monotonic()
    for batch in range(20):  # 2,000 creates, 100 per request, as fast as the server takes them
        ops = [
            {
                "method": "POST",
                "path": "classes/Game",
                "body": {"tag": unique_tag, "n": batch * 100 + i},
            }
            for i in range(100)
        ]
        lq_server.rest.batch(ops, master=True)
    count = lq_server.rest.count("Game", {"tag": unique_tag})
    until(
        lambda: any(f"{count} objects" in line for line in screen.lines()),
        timeout=30,
        what=f"the table to show all {count} objects",
    )
    elapsed = time.monotonic() - started
    with screen.lock:
        frames = bytes(screen.raw).count(b"\x1b[H") - frames_before
    assert count == 2000
    assert 1 <= frames <= 20 * elapsed + 2, (frames, elapsed)  # redrawn, but at most 20/s
