"""``lq tail --exec`` end to end: the installed CLI against ``lq serve``, real child commands.

The commands are small Python scripts that append what they received (argv,
the ``LQ_*`` variables, stdin) to a log file, so each test reads exactly what
each command saw. A "gate" file holds commands back without the test ever
sleeping: they wait for it to exist.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import waiting
from support.cli_run import lq as lq_in_process
from support.lq_process import LqProcess
from support.parse_server import ParseServer as ServerHandle

RECORDER = """
import json, os, sys, time
log, gate = sys.argv[1], sys.argv[2]
entry = {"argv": sys.argv[3:], "stdin": sys.stdin.read(),
         "env": {k: v for k, v in os.environ.items() if k.startswith("LQ_") and k != "LQ_APP_ID"
                 and k != "LQ_JS_KEY" and k != "LQ_SERVER_URL" and k != "LQ_CONFIG_DIR"}}
entry["env"]["LQ_PID"] = str(os.getpid())
with open(log + ".started", "a") as f:
    f.write(json.dumps(entry) + "\\n")
while gate != "-" and not os.path.exists(gate):
    time.sleep(0.01)
with open(log, "a") as f:
    f.write(json.dumps(entry) + "\\n")
"""


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[Path]:
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    yield script
    (tmp_path / "gate").touch()  # a failed test must not leave commands waiting


@pytest.fixture
def lq(lq_server: ServerHandle) -> Iterator[Any]:
    started: list[LqProcess] = []

    def start(*args: str) -> LqProcess:
        env = {
            "LQ_SERVER_URL": lq_server.rest_url,
            "LQ_APP_ID": lq_server.app_id,
            "LQ_JS_KEY": lq_server.js_key,
        }
        proc = LqProcess(args, env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.close()


def _command(recorder: Path, log: Path, *args: str, gate: str = "-") -> str:
    words = [sys.executable, str(recorder), str(log), gate]
    return " ".join([*(shlex.quote(w) for w in words), *args])


def _entries(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


HOSTILE_NAMES = ['"; rm -rf ~"', "$(touch {pwned})", "two words", "`touch {pwned}`", "it's"]


def test_commands_run_in_event_order_with_one_argument_per_placeholder(
    lq: Any, lq_server: ServerHandle, unique_tag: str, recorder: Path, tmp_path: Path
) -> None:
    log = tmp_path / "log"
    pwned = tmp_path / "pwned"
    names = [name.replace("{pwned}", str(pwned)) for name in HOSTILE_NAMES]
    cmd = _command(recorder, log, "id={id}", "{object.name}", "{op}", "{object.missing}")
    proc = lq("tail", "Game", "-w", f"tag = {unique_tag}", "--exec", cmd, "-n", str(len(names)))
    proc.wait_stderr("subscribed to Game")
    ids = [lq_server.rest.create("Game", {"tag": unique_tag, "name": n})["objectId"] for n in names]
    assert proc.wait() == 0, proc.rest_of_stderr()
    entries = _entries(log)
    assert [e["argv"] for e in entries] == [
        [f"id={oid}", name, "create", ""] for oid, name in zip(ids, names, strict=True)
    ]
    for n, (entry, oid) in enumerate(zip(entries, ids, strict=True), start=1):
        del entry["env"]["LQ_PID"]
        assert entry["env"] == {
            "LQ_OP": "create",
            "LQ_CLASS": "Game",
            "LQ_ID": oid,
            "LQ_SEQ": str(n),
        }
        record = json.loads(entry["stdin"])
        assert (record["kind"], record["op"], record["id"], record["seq"]) == (
            "event",
            "create",
            oid,
            n,
        )
    assert not pwned.exists()
    assert proc.read_stdout(0) == []


def test_shell_mode_passes_values_as_arguments_never_as_code(
    lq: Any, lq_server: ServerHandle, unique_tag: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    pwned = tmp_path / "pwned"
    names = [name.replace("{pwned}", str(pwned)) for name in HOSTILE_NAMES]
    script = f"printf '%s|%s\\n' {{object.name}} \"$LQ_OP\" >> {shlex.quote(str(out))}"
    proc = lq("tail", "Game", "-w", f"tag = {unique_tag}", "--shell", "--exec", script,
              "-n", str(len(names)))  # fmt: skip
    proc.wait_stderr("subscribed to Game")
    for name in names:
        lq_server.rest.create("Game", {"tag": unique_tag, "name": name})
    assert proc.wait() == 0, proc.rest_of_stderr()
    assert out.read_text().splitlines() == [f"{name}|create" for name in names]
    assert not pwned.exists()


def test_the_commands_output_is_lqs_stdout_even_a_lot_of_it(
    lq: Any, lq_server: ServerHandle, unique_tag: str, tmp_path: Path
) -> None:
    lines = 20000
    printer = tmp_path / "printer.py"
    body = "    sys.stdout.write(sys.argv[1] + ' ' + str(n) + '\\n')\n"
    printer.write_text(f"import sys\nfor n in range({lines}):\n{body}")
    cmd = f"{shlex.quote(sys.executable)} {shlex.quote(str(printer))} {{object.n}}"
    proc = lq("tail", "Game", "-w", f"tag = {unique_tag}", "--exec", cmd, "-n", "2")
    proc.wait_stderr("subscribed to Game")
    for n in (1, 2):
        lq_server.rest.create("Game", {"tag": unique_tag, "n": n})
    out = proc.read_stdout(2 * lines)
    assert out == [f"{n} {i}" for n in (1, 2) for i in range(lines)]
    assert proc.wait() == 0


def test_a_failing_command_is_reported_and_the_tail_goes_on(
    lq: Any, lq_server: ServerHandle, unique_tag: str
) -> None:
    failing = (
        f"{shlex.quote(sys.executable)} -c 'import sys; sys.stderr.write(\"oops\\n\"); sys.exit(3)'"
    )
    proc = lq("tail", "Game", "-w", f"tag = {unique_tag}", "--exec", failing, "-n", "2")
    proc.wait_stderr("subscribed to Game")
    first = lq_server.rest.create("Game", {"tag": unique_tag})["objectId"]
    proc.wait_stderr("oops")  # the command's stderr passes through
    line = proc.wait_stderr("exited with status 3")
    what = f"create Game {first} (seq 1)"
    assert line == f"lq: --exec: {sys.executable} exited with status 3 on {what}; continuing"
    lq_server.rest.create("Game", {"tag": unique_tag})
    assert proc.wait() == 0


def test_stop_on_error_exits_1_with_the_commands_status(
    lq: Any, lq_server: ServerHandle, unique_tag: str
) -> None:
    failing = f"{shlex.quote(sys.executable)} -c 'import sys; sys.exit(7)'"
    proc = lq("tail", "Game", "-w", f"tag = {unique_tag}", "--exec", failing,
              "--on-exec-error", "stop")  # fmt: skip
    proc.wait_stderr("subscribed to Game")
    oid = lq_server.rest.create("Game", {"tag": unique_tag})["objectId"]
    assert proc.wait() == 1
    assert (
        f"lq: error: --exec: {sys.executable} exited with status 7 on create Game {oid} (seq 1)"
        in proc.rest_of_stderr()
    )


def test_a_command_that_runs_too_long_is_killed(
    lq: Any, lq_server: ServerHandle, unique_tag: str, tmp_path: Path
) -> None:
    # The command waits for a file nobody creates; --exec-timeout ends it.
    hang = f"{shlex.quote(sys.executable)} -c 'import os, time\nwhile True: time.sleep(0.05)'"
    proc = lq("tail", "Game", "-w", f"tag = {unique_tag}", "--exec", hang,
              "--exec-timeout", "300ms", "--on-exec-error", "stop")  # fmt: skip
    proc.wait_stderr("subscribed to Game")
    lq_server.rest.create("Game", {"tag": unique_tag})
    assert proc.wait() == 1
    assert any("timed out after 0.3 s on create Game" in line for line in proc.rest_of_stderr())


def test_a_slow_command_pauses_reading_and_loses_nothing(
    lq: Any, lq_server: ServerHandle, unique_tag: str, recorder: Path, tmp_path: Path
) -> None:
    log, gate = tmp_path / "log", tmp_path / "gate"
    events = 40  # more than the queue holds (16) plus the command running
    cmd = _command(recorder, log, "{object.n}", gate=str(gate))
    proc = lq("tail", "Game", "-w", f"tag = {unique_tag}", "--exec", cmd, "-n", str(events))
    proc.wait_stderr("subscribed to Game")
    ops = [{"method": "POST", "path": "classes/Game", "body": {"tag": unique_tag, "n": n}}
           for n in range(events)]  # fmt: skip
    lq_server.rest.batch(ops)
    proc.wait_stderr("--exec is falling behind (16 events waiting)")
    started = Path(f"{log}.started")
    waiting.until(lambda: _lines(started) >= 1, timeout=30, what="the first command")
    assert len(started.read_text().splitlines()) == 1  # one at a time: the rest wait
    gate.touch()
    assert proc.wait() == 0, proc.rest_of_stderr()
    assert [e["argv"] for e in _entries(log)] == [[str(n)] for n in range(events)]


def test_concurrency_runs_several_commands_at_once(
    lq: Any, lq_server: ServerHandle, unique_tag: str, recorder: Path, tmp_path: Path
) -> None:
    log, gate = tmp_path / "log", tmp_path / "gate"
    cmd = _command(recorder, log, "{object.n}", gate=str(gate))
    proc = lq("tail", "Game", "-w", f"tag = {unique_tag}", "--exec", cmd,
              "--exec-concurrency", "3", "-n", "3")  # fmt: skip
    proc.wait_stderr("subscribed to Game")
    for n in range(3):
        lq_server.rest.create("Game", {"tag": unique_tag, "n": n})
    started = Path(f"{log}.started")
    waiting.until(
        lambda: _lines(started) == 3,
        timeout=30,
        what="three commands running at once",
    )
    gate.touch()
    assert proc.wait() == 0
    assert sorted(e["argv"][0] for e in _entries(log)) == ["0", "1", "2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--shell"], "--shell needs --exec"),
        (["--exec-timeout", "1s"], "--exec-timeout needs --exec"),
        (["--exec", "echo", "--json"], "cannot be used with --json"),
        (["--exec", "echo 'unclosed"], "--exec: No closing quotation"),
        (["--exec", "{object.cmd} x"], "the program name cannot hold a placeholder"),
        (["--exec", "echo {nope}"], "--exec: unknown field 'nope'"),
        (["--exec", "echo", "--on-exec-error", "maybe"], "choose continue or stop"),
        (["--exec", "echo", "--exec-concurrency", "0"], "at least 1"),
        (["--exec", "echo", "--exec-timeout", "0"], "more than 0"),
    ],
)
def test_exec_usage_errors_exit_2(args: list[str], message: str) -> None:
    env = {"LQ_SERVER_URL": "http://127.0.0.1:9/parse", "LQ_APP_ID": "app"}
    result = lq_in_process("tail", "Game", *args, env=env)
    assert result.status == 2, result.stderr
    assert message in result.stderr


def test_ctrl_c_while_reading_is_paused_exits_130_and_kills_the_command(
    lq: Any, lq_server: ServerHandle, unique_tag: str, recorder: Path, tmp_path: Path
) -> None:
    log, gate = tmp_path / "log", tmp_path / "gate"
    cmd = _command(recorder, log, "{object.n}", gate=str(gate))
    proc = lq("tail", "Game", "-w", f"tag = {unique_tag}", "--exec", cmd)
    proc.wait_stderr("subscribed to Game")
    ops = [{"method": "POST", "path": "classes/Game", "body": {"tag": unique_tag, "n": n}}
           for n in range(40)]  # fmt: skip
    lq_server.rest.batch(ops)
    proc.wait_stderr("--exec is falling behind")
    started = Path(f"{log}.started")
    waiting.until(lambda: _lines(started) >= 1, timeout=30, what="the first command")
    proc.signal(signal.SIGINT)
    assert proc.wait() == 130
    pid = int(json.loads(started.read_text().splitlines()[0])["env"]["LQ_PID"])
    waiting.until(lambda: not _alive(pid), timeout=30, what="the command to be killed")
    assert not log.exists()  # the command never got past the gate, none other started


def _lines(path: Path) -> int:
    """Complete lines in ``path`` (a command may have created it and not yet written)."""
    return path.read_text().count("\n") if path.exists() else 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_when_the_reader_of_stdout_leaves_lq_exits_0(
    lq_server: ServerHandle, unique_tag: str
) -> None:
    # `lq tail --exec 'echo {id}' | head -1`: after head exits, the next command's
    # write fails, and lq ends as a plain tail does when its reader leaves.
    read_end, write_end = os.pipe()
    env = {"LQ_SERVER_URL": lq_server.rest_url, "LQ_APP_ID": lq_server.app_id,
           "LQ_JS_KEY": lq_server.js_key}  # fmt: skip
    proc = LqProcess(["tail", "Game", "-w", f"tag = {unique_tag}", "--exec", "echo {id}"],
                     env=env, stdout=write_end)  # fmt: skip
    os.close(write_end)
    try:
        proc.wait_stderr("subscribed to Game")
        first = lq_server.rest.create("Game", {"tag": unique_tag})["objectId"]
        with os.fdopen(read_end, "rb") as reader:
            assert reader.readline() == f"{first}\n".encode()
        lq_server.rest.create("Game", {"tag": unique_tag})
        assert proc.wait() == 0
    finally:
        proc.close()
