"""``lq watch`` end to end against ``lq serve``: in a real pseudo-terminal, and ``--once``.

The live table is checked as a person would see it: ``lq watch`` runs with a
pty as its terminal, and everything it writes is fed to ``pyte``, a terminal
emulator, whose screen the test reads (rows, order, marks, highlighting).
The terminal must come back as it was: the pty's termios settings (echo,
canonical mode) and a visible cursor.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from typing import Any

import pyte
import pytest
from support import waiting
from support.cli_run import lq
from support.parse_server import ParseServer as ServerHandle

ROWS, COLS = 24, 100


def _env(server: ServerHandle) -> dict[str, str]:
    return {
        "LQ_SERVER_URL": server.rest_url,
        "LQ_APP_ID": server.app_id,
        "LQ_JS_KEY": server.js_key,
    }


@pytest.fixture
def players(lq_server: ServerHandle, unique_tag: str) -> dict[str, str]:
    return {
        name: lq_server.rest.create("Game", {"tag": unique_tag, "name": name, "score": score})[
            "objectId"
        ]
        for name, score in (("ann", 0), ("bob", 10), ("cid", 20))
    }


def test_once_prints_the_table_exactly(
    lq_server: ServerHandle, unique_tag: str, players: dict[str, str]
) -> None:
    result = lq("watch", "Game", "-w", f"tag = {unique_tag}", "--columns", "name,score",
                "--sort", "-score", env=_env(lq_server))  # fmt: skip
    assert result.status == 0, result.stderr
    assert result.stdout == (
        f'Game where {{"tag":"{unique_tag}"}} · 3 objects · sorted by -score\n'
        "name   score ↓\n"
        "──────────────\n"
        "cid    20\n"
        "bob    10\n"
        "ann    0\n"
    )
    assert result.stderr == ""


def test_once_default_columns_and_order(
    lq_server: ServerHandle, unique_tag: str, players: dict[str, str]
) -> None:
    result = lq("watch", "Game", "-w", f"tag = {unique_tag}", "--once", env=_env(lq_server))
    assert result.status == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["objectId", "tag", "name", "score", "updatedAt"]
    assert [line.split()[0] for line in lines[3:]] == sorted(players.values())


def test_watch_usage_errors_exit_2() -> None:
    env = {"LQ_SERVER_URL": "http://127.0.0.1:9/parse", "LQ_APP_ID": "app"}
    assert lq("watch", "Game", "--where", "score >>> 1", env=env).status == 2
    assert lq("watch", "Game", "--columns", "a,,b", env=env).status == 2
    assert lq("watch", "Game", "--sort", "-", env=env).status == 2


class PtyWatch:
    """``lq watch`` with a pseudo-terminal for stdin, stdout and stderr, rendered by pyte."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        self.termios_before = termios.tcgetattr(self.slave)
        self.screen = pyte.Screen(COLS, ROWS)
        self.stream = pyte.ByteStream(self.screen)
        self.lock = threading.Lock()
        self.frames: list[float] = []  # when each redraw (cursor home) arrived
        full_env = {**os.environ, **env, "TERM": "xterm-256color"}
        for name in ("NO_COLOR", "COLUMNS", "LINES"):  # the size is the pty's
            full_env.pop(name, None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "livequery_cli", "watch", *args],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env=full_env,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                now = time.monotonic()
                self.frames.extend([now] * data.count(b"\x1b[H"))
                self.stream.feed(data)

    def lines(self) -> list[str]:
        with self.lock:
            return [line.rstrip() for line in self.screen.display]

    def row(self, text: str) -> int | None:
        for n, line in enumerate(self.lines()):
            if text in line.split():
                return n
        return None

    def wait_for(self, predicate: Any, what: str) -> None:
        try:
            waiting.until(predicate, timeout=30, what=what)
        except AssertionError:
            raise AssertionError(f"{what}; the screen:\n" + "\n".join(self.lines())) from None

    def reversed_row(self, y: int) -> bool:
        with self.lock:
            line = self.screen.buffer[y]
            return any(line[x].reverse for x in range(COLS) if line[x].data.strip())

    def press(self, key: str) -> None:
        os.write(self.master, key.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def pty_watch(lq_server: ServerHandle) -> Iterator[Any]:
    started: list[PtyWatch] = []

    def start(*args: str) -> PtyWatch:
        watch = PtyWatch(list(args), _env(lq_server))
        started.append(watch)
        return watch

    yield start
    for watch in started:
        watch.close()


def _order(watch: PtyWatch, names: list[str]) -> bool:
    rows = [watch.row(name) for name in names]
    return all(r is not None for r in rows) and rows == sorted(rows)  # type: ignore[type-var]


def _assert_terminal_restored(watch: PtyWatch) -> None:
    after = termios.tcgetattr(watch.slave)
    assert after[3] & (termios.ICANON | termios.ECHO) == watch.termios_before[3] & (
        termios.ICANON | termios.ECHO
    )
    assert after == watch.termios_before
    watch.wait_for(lambda: not watch.screen.cursor.hidden, "the cursor shown again")


def test_the_live_table_follows_the_result_set(
    pty_watch: Any, lq_server: ServerHandle, unique_tag: str, players: dict[str, str]
) -> None:
    watch = pty_watch("Game", "-w", f"tag = {unique_tag}", "--columns", "name,score",
                      "--sort", "-score")  # fmt: skip
    watch.wait_for(lambda: _order(watch, ["cid", "bob", "ann"]), "the rows in score order")
    watch.wait_for(lambda: any("3 objects" in line for line in watch.lines()), "the header")
    watch.wait_for(lambda: watch.lines()[0].startswith("synced · 3 objects"), "the state")
    # While running, the terminal is in cbreak mode: no echo, keys one by one.
    assert not termios.tcgetattr(watch.slave)[3] & termios.ICANON

    rest = lq_server.rest
    rest.update("Game", players["ann"], {"score": 30})  # ann moves to the top, highlighted
    watch.wait_for(lambda: _order(watch, ["ann", "cid", "bob"]), "ann first after the update")
    ann = watch.row("ann")
    assert ann is not None
    assert watch.reversed_row(ann)
    assert watch.lines()[ann].startswith("*")

    dan = rest.create("Game", {"tag": unique_tag, "name": "dan", "score": 15})["objectId"]
    watch.wait_for(lambda: _order(watch, ["ann", "cid", "dan", "bob"]), "dan entered")
    dan_row = watch.row("dan")
    assert dan_row is not None
    assert watch.lines()[dan_row].startswith("+")
    watch.wait_for(lambda: any("4 objects" in line for line in watch.lines()), "4 objects")

    rest.delete("Game", players["bob"])  # marked as leaving, then gone
    watch.wait_for(lambda: any("3 objects" in line for line in watch.lines()), "bob left")
    watch.wait_for(lambda: watch.row("bob") is None, "bob's row removed")
    assert dan  # the objects are the ones the server has

    watch.press("s")  # the next column after score: name, ascending
    watch.wait_for(lambda: _order(watch, ["ann", "cid", "dan"]), "sorted by name")
    watch.wait_for(lambda: any("sorted by name" in line for line in watch.lines()), "header")

    watch.press("q")
    assert watch.process.wait(timeout=30) == 0
    _assert_terminal_restored(watch)


@pytest.mark.parametrize(("signum", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signals_restore_the_terminal(
    pty_watch: Any,
    lq_server: ServerHandle,
    unique_tag: str,
    players: dict[str, str],
    signum: signal.Signals,
    status: int,
) -> None:
    watch = pty_watch("Game", "-w", f"tag = {unique_tag}", "--columns", "name")
    by_id = [name for name, _ in sorted(players.items(), key=lambda item: item[1])]
    watch.wait_for(lambda: _order(watch, by_id), "the table, in objectId order by default")
    watch.process.send_signal(signum)
    assert watch.process.wait(timeout=30) == status
    _assert_terminal_restored(watch)


def test_under_load_redraws_stay_bounded_and_the_view_stays_exact(
    pty_watch: Any, lq_server: ServerHandle, unique_tag: str
) -> None:
    rest = lq_server.rest
    ids = [rest.create("Game", {"tag": unique_tag, "name": f"p{n:02d}", "v": 0})["objectId"]
           for n in range(12)]  # fmt: skip
    watch = pty_watch("Game", "-w", f"tag = {unique_tag}", "--columns", "name,v", "--sort", "name")
    watch.wait_for(lambda: any("12 objects" in line for line in watch.lines()), "the table")
    start = time.monotonic()
    writes = 0
    round_ = 0
    while time.monotonic() - start < 2.0:  # updates as fast as they go, for two seconds
        round_ += 1
        ops = [{"method": "PUT", "path": f"classes/Game/{oid}", "body": {"v": round_ * 100 + k}}
               for k in range(4) for oid in ids]  # fmt: skip
        rest.batch(ops)
        writes += len(ops)
    final = {o["name"]: o["v"] for o in rest.find("Game", {"tag": unique_tag}, limit=100)}
    expected = [f"{name} {value}" for name, value in sorted(final.items())]

    def exact() -> bool:
        rows = [" ".join(line.split()[-2:]) for line in watch.lines() if line.split()[-2:-1]
                and line.split()[-2].startswith("p")]  # fmt: skip
        return rows == expected

    watch.wait_for(exact, "the table equal to a REST find after the writes")
    with watch.lock:
        frames = [t for t in watch.frames if t >= start]
    busiest = max(sum(1 for t in frames if f <= t < f + 1.0) for f in frames)
    print(f"{writes} updates, {len(frames)} redraws, at most {busiest} in one second")
    assert len(frames) >= 5  # it did redraw while the updates came
    assert busiest <= 20, f"{busiest} redraws in one second"
    watch.press("q")
    assert watch.process.wait(timeout=30) == 0


def test_an_error_restores_the_terminal_and_is_reported(
    pty_watch: Any, lq_server: ServerHandle, unique_tag: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    watch = PtyWatch(["Game", "--js-key", "wrong"], _env(lq_server))
    try:
        assert watch.process.wait(timeout=30) == 4
        _assert_terminal_restored(watch)
        watch.wait_for(
            lambda: any("lq: error: refused by the server" in line for line in watch.lines()),
            "the error on the restored screen",
        )
    finally:
        watch.close()


def test_a_resized_terminal_is_redrawn_to_its_new_size_and_page_keys_scroll(
    pty_watch: Any, lq_server: ServerHandle, unique_tag: str, players: dict[str, str]
) -> None:
    watch = pty_watch("Game", "-w", f"tag = {unique_tag}", "--columns", "name", "--sort", "name")
    watch.wait_for(lambda: _order(watch, ["ann", "bob", "cid"]), "the table")
    # Six rows: the header, the column names and their rule, one row, the key line.
    fcntl.ioctl(watch.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 6, COLS, 0, 0))
    with watch.lock:
        watch.screen.resize(6, COLS)
    watch.process.send_signal(signal.SIGWINCH)  # what the kernel sends a foreground job
    watch.wait_for(
        lambda: any("(2 more below)" in line for line in watch.lines()), "a screenful and a note"
    )
    assert watch.row("ann") is not None
    assert watch.row("cid") is None
    watch.press("\x1b[6~")  # Page Down: one screenful (one row here) further
    watch.wait_for(lambda: watch.row("bob") is not None, "the second row after Page Down")
    assert any("(1 more above, 1 more below)" in line for line in watch.lines())
    watch.press("\x1b[F")  # End
    watch.wait_for(lambda: watch.row("cid") is not None, "the last row after End")
    watch.press("\x1b[5~")  # Page Up
    watch.wait_for(lambda: watch.row("bob") is not None, "back one page")
    watch.press("q")
    assert watch.process.wait(timeout=30) == 0


def test_the_header_follows_the_connection_through_a_server_restart(
    lq_server_factory: Any, unique_tag: str
) -> None:
    server = lq_server_factory()
    oid = server.rest.create("Game", {"tag": unique_tag, "name": "ann", "score": 1})["objectId"]
    watch = PtyWatch(["Game", "--columns", "name,score"], _env(server))
    try:
        watch.wait_for(lambda: watch.lines()[0].startswith("synced · 1 object"), "synced")
        server.kill()
        watch.wait_for(
            lambda: watch.lines()[0].startswith(("disconnected", "reconnecting", "cannot")),
            "the lost connection in the header",
        )
        server.start()
        server.rest.update("Game", oid, {"score": 2})
        watch.wait_for(lambda: "resynced" in watch.lines()[0], "resynced in the header")
        watch.wait_for(
            lambda: any(line.split()[-2:] == ["ann", "2"] for line in watch.lines() if line),
            "the change made around the restart",
        )
        watch.press("q")
        assert watch.process.wait(timeout=30) == 0
    finally:
        watch.close()


@pytest.mark.slow
def test_a_hundred_thousand_members_show_a_sorted_screenful_and_scroll(
    pty_watch: Any, lq_server: ServerHandle, unique_tag: str
) -> None:
    total = 100_000
    for start in range(0, total, 1000):  # a batch holds at most 1,000 requests
        lq_server.rest.batch(
            [
                {"method": "POST", "path": "classes/Big", "body": {"tag": unique_tag, "n": n}}
                for n in range(start, start + 1000)
            ],
            master=True,
        )
    where = f"tag = {unique_tag}"
    tail_peak_kb = _tail_snapshot_peak_kb(lq_server, where, total)
    watch = pty_watch("Big", "-w", where, "--columns", "n", "--sort", "-n")
    deadline = time.monotonic() + 180
    while not any(f"{total} objects" in line for line in watch.lines()):
        assert time.monotonic() < deadline, "the table never showed every member"
        watch.wait_for(lambda: True, "a redraw")  # one poll of the screen
    # A whole screenful in sort order (waited for: a frame may be half drawn when read).
    watch.wait_for(
        lambda: (
            _shown_numbers(watch)[:3] == [99999, 99998, 99997]
            and len(_shown_numbers(watch)) == ROWS - 5
        ),
        "a screenful of sorted rows",
    )
    first = _shown_numbers(watch)
    watch.press("\x1b[6~")  # Page Down: the next screenful
    watch.wait_for(lambda: _shown_numbers(watch)[:1] == [first[-1] - 1], "the next screenful")
    watch.press("\x1b[F")  # End: the last screenful holds the smallest n
    watch.wait_for(lambda: _shown_numbers(watch)[-1:] == [0], "the last screenful")
    watch_peak_kb = _peak_kb(watch.process.pid)
    print(
        f"peak RSS with {total} members: lq watch {watch_peak_kb / 1024:.1f} MB, "
        f"lq tail --snapshot {tail_peak_kb / 1024:.1f} MB "
        f"({watch_peak_kb / tail_peak_kb:.2f}x)"
    )
    # Bounded as for --snapshot: a row holds its shown values and shares the view's
    # objectId; no sorted copy of the set is made to draw a screenful.
    assert watch_peak_kb <= 1.25 * tail_peak_kb
    watch.press("q")
    assert watch.process.wait(timeout=60) == 0


def _peak_kb(pid: int) -> int:
    """The process's peak resident set size (``VmHWM``), in KiB."""
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def _tail_snapshot_peak_kb(server: ServerHandle, where: str, total: int) -> int:
    """``lq tail --snapshot``'s peak RSS over the same result set, once it printed it all."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "livequery_cli", "tail", "Big", "-w", where, "--snapshot"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **_env(server)},
    )
    try:
        assert proc.stdout is not None
        for _ in range(total):  # read as fast as it writes, as a terminal would
            assert proc.stdout.readline(), "lq tail --snapshot ended before the last member"
        return _peak_kb(proc.pid)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()


def _shown_numbers(watch: PtyWatch) -> list[int]:
    """The ``n`` column of the rows on screen, top to bottom (one number per table row)."""
    numbers = []
    for line in watch.lines()[1:-1]:  # not the header, not the key line
        cells = line.replace("│", " ").split()
        if len(cells) >= 1 and cells[-1].isdigit() and "objects" not in line:
            numbers.append(int(cells[-1]))
    return numbers
