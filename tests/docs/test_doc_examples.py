"""Every ``lq`` example in README.md and docs/*.md runs, and prints what the docs show.

``doc_examples`` finds the examples; ``PLANS`` says, for each, how it is run
here: against a fresh ``lq serve`` (its URL and keys in ``LQ_*`` variables,
or substituted for the docs' ``http://localhost:1337/parse`` and ``myapp``),
with ``--timeout`` added to commands that would tail forever, writes made
once it has subscribed, and the exit status expected. Where the docs show
output, it is compared line by line: dates, times, object ids, ports and
paths become patterns, a ``...`` in the docs matches anything.

A new example in the docs without a plan here fails
(``test_every_example_has_a_plan``), and so does a plan whose example is
gone: the docs cannot drift from the program unnoticed.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest

from .doc_examples import Example, doc_examples

WAIT_S = 30.0
DOC_URL = "http://localhost:1337/parse"
DOC_APP_ID = "myapp"


@dataclass
class Run:
    """A running example: its lines as they come, and the server it talks to."""

    process: subprocess.Popen[str]
    stdout: queue.Queue[str | None]
    stderr: queue.Queue[str | None]
    server: Any
    seen_out: list[str] = field(default_factory=list)
    seen_err: list[str] = field(default_factory=list)

    def wait_stderr(self, needle: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not any(needle in line for line in self.seen_err):
            line = self.stderr.get(timeout=max(0.01, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"no {needle!r} on stderr: {self.seen_err}")
            self.seen_err.append(line)

    def wait_stdout_lines(self, count: int) -> None:
        deadline = time.monotonic() + WAIT_S
        while len(self.seen_out) < count:
            line = self.stdout.get(timeout=max(0.01, deadline - time.monotonic()))
            if line is None:
                raise AssertionError(f"stdout ended after {self.seen_out}")
            self.seen_out.append(line)

    def finish(self) -> tuple[int, list[str], list[str]]:
        status = self.process.wait(timeout=WAIT_S)
        for source, seen in ((self.stdout, self.seen_out), (self.stderr, self.seen_err)):
            while (line := source.get(timeout=WAIT_S)) is not None:
                seen.append(line)
        return status, self.seen_out, self.seen_err


Action = Callable[[Run, dict[str, str]], None]


@dataclass(frozen=True)
class Plan:
    """How an example runs here, and what it must do."""

    status: int = 0
    server: bool = True
    append: str = ""  # options added after the lq command's own (before a pipe or &&)
    replace: tuple[tuple[str, str], ...] = ()  # literal substitutions ({tmp}, {id}...)
    env: tuple[tuple[str, str], ...] = ()
    server_env: bool = True  # LQ_SERVER_URL, LQ_APP_ID, LQ_JS_KEY of the test server
    setup: Callable[[Any, Path, dict[str, str]], None] | None = None
    during: Action | None = None  # after the command has started (see ``started``)
    started: str | None = "subscribed to"  # the stderr line to wait for before ``during``
    patterns: tuple[tuple[str, str], ...] = ()  # doc text -> regex, for the shown output
    synopsis: bool = False  # a usage line with placeholders, not a command to run
    stdout_check: Callable[[list[str]], None] | None = None


# --- what the examples need ------------------------------------------------------------


def _write_score_changes(run: Run, values: dict[str, str]) -> None:
    """docs/cli.md's first example: ada enters at 120, moves to 135, leaves at 90."""
    rest = run.server.rest
    ada = rest.create("Game", {"player": "ada", "score": 120}, master=True)
    values["id"] = ada["objectId"]
    run.wait_stdout_lines(1)
    rest.update("Game", ada["objectId"], {"score": 135}, master=True)
    run.wait_stdout_lines(2)
    rest.update("Game", ada["objectId"], {"score": 90}, master=True)
    run.wait_stdout_lines(3)
    os.killpg(run.process.pid, signal.SIGINT)  # the ^C


def _finish_a_job(run: Run, values: dict[str, str]) -> None:
    run.server.rest.create("Job", {"status": "done"}, master=True)


def _create_job(server: Any, tmp: Path, values: dict[str, str]) -> None:
    job = server.rest.create("Job", {"status": "queued"}, master=True)
    values["X"] = job["objectId"]


def _finish_job_x(run: Run, values: dict[str, str]) -> None:
    run.server.rest.update("Job", values["X"], {"status": "running"}, master=True)
    run.server.rest.update("Job", values["X"], {"status": "done"}, master=True)


def _stop_server(run: Run, values: dict[str, str]) -> None:
    run.wait_stdout_lines(2)  # its two URLs
    os.killpg(run.process.pid, signal.SIGTERM)


def _docs_config(server: Any, tmp: Path, values: dict[str, str]) -> None:
    """docs/cli.md's config.toml (the block above the example), in a home of its own."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text("utf-8")
    toml = re.search(r"```toml\n(\[profiles\.default\].*?)```", text, re.S)
    assert toml is not None, "docs/cli.md lost its config.toml example"
    config_dir = tmp / "home" / ".config" / "lq"
    config_dir.mkdir(parents=True)
    (config_dir / "config.toml").write_text(toml.group(1))
    (config_dir / "config.toml").chmod(0o600)
    (tmp / "home" / ".secrets").mkdir()
    (tmp / "home" / ".secrets" / "prod-master-key").write_text("not-a-real-key\n")


def _no_output(lines: list[str]) -> None:
    assert lines == []  # nothing happened in that second: jq prints nothing


def _three_high_scores(server: Any, tmp: Path, values: dict[str, str]) -> None:
    """docs/cli.md's lq find output: ada, bob and cy above 100 (and one below)."""
    for player, score in (("ada", 135), ("bob", 120), ("cy", 101), ("dan", 50)):
        server.rest.create("Game", {"player": player, "score": score}, master=True)


def _forty_two_high_scores(server: Any, tmp: Path, values: dict[str, str]) -> None:
    server.rest.batch(
        [{"method": "POST", "path": "classes/Game", "body": {"score": 101 + n}} for n in range(42)],
        master=True,
    )


def _demo_scores(server: Any, tmp: Path, values: dict[str, str]) -> None:
    """docs/cli.md's lq watch --once output: cid, bob, ann tagged demo."""
    for name, score in (("ann", 0), ("bob", 10), ("cid", 20)):
        server.rest.create("Game", {"tag": "demo", "name": name, "score": score}, master=True)


def _no_lines(lines: list[str]) -> None:
    assert lines == []  # no event in that second: no command ran, so it printed nothing


TIMEOUT_1S = "--timeout 1s"

PLANS: dict[str, Plan] = {
    # README.md
    "lq tail Game --where 'score > 100'": Plan(status=124, append=TIMEOUT_1S),
    "lq tail Game --where 'score gt 100' --json | jq": Plan(
        status=124, append=TIMEOUT_1S, stdout_check=_no_output
    ),
    "lq tail Job --where 'status = done' --count 1 --timeout 10m && echo finished": Plan(
        during=_finish_a_job,
        stdout_check=lambda lines: _assert_last(lines, "finished"),
    ),
    "lq explain --where 'score > 100 and (level.boss = true or name ~* \"^dr\")'": Plan(
        server=False, started=None
    ),
    "lq tail Game --where 'score => 100'": Plan(status=2, server=False, started=None),
    "lq serve --port 1337 --db lq.sqlite": Plan(
        server=False,
        replace=(("--port 1337", "--port 0"), ("--db lq.sqlite", "--db {tmp}/lq.sqlite")),
        started=None,
        during=_stop_server,
    ),
    # docs/cli.md
    f"lq tail Game --where 'score gt 100' --app-id myapp --server-url {DOC_URL}": Plan(
        status=130,
        replace=((DOC_URL, "{server_url}"), (f"--app-id {DOC_APP_ID}", "--app-id {app_id}")),
        during=_write_score_changes,
        patterns=(("localhost:1337", "{host_port}"), ("xWMyZ4YEGZ", "{id}")),
    ),
    "lq tail CLASS [--where EXPR]... [--where-json JSON | --query-file FILE]": Plan(synopsis=True),
    "lq tail Game --where 'score >'": Plan(status=2, server=False, started=None),
    "lq config show --profile prod": Plan(
        server=False,
        server_env=False,
        started=None,
        setup=_docs_config,
        env=(("HOME", "{tmp}/home"), ("LQ_APP_ID", DOC_APP_ID)),
        patterns=(("/home/me", "{tmp}/home"),),
    ),
    "lq tail Job --where 'id = X' --until 'status = done' --timeout 10m": Plan(
        setup=_create_job, replace=(("id = X", "id = {X}"),), during=_finish_job_x
    ),
    "lq tail Game --where 'score > 100' --also Player --where 'online = true'": Plan(
        status=124, append=TIMEOUT_1S
    ),
    # docs/serve.md
    "lq serve --port 0 --db :memory:": Plan(
        server=False, started=None, during=_stop_server, patterns=(("41234", r"\d+"),)
    ),
    "lq demo": Plan(server=False, started=None, append="--duration 1s"),
    # docs/where.md
    "lq explain --where 'score > 100 and (name ~* \"^al\" or tags in [pro, vip])'": Plan(
        server=False, started=None
    ),
    "lq explain --where score gt -5 and level le 3": Plan(server=False, started=None),
    "lq explain --where 'score > 1' Game": Plan(server=False, started=None),
    "lq explain --where 'id = xWMyZ4YEGZ or `id` = 7'": Plan(server=False, started=None),
    "lq tail Game --where 'score =>100'": Plan(status=2, server=False, started=None),
    # docs/serve.md, Scaling out: these need a Parse Server cluster (Redis, PostgreSQL,
    # Parse Server 9 with redisURL); tests/cluster/ starts one and runs the same commands.
    "lq serve --parse-server http://parse.internal:1337/parse \\": Plan(synopsis=True),
    "lq tail Game --server-url http://127.0.0.1:1337/parse \\": Plan(synopsis=True),
    # lq find: one REST query, no subscription (nothing to wait for on stderr)
    "lq find Game --where 'score gt 100' --order -score --limit 10": Plan(
        started=None, setup=_three_high_scores
    ),
    "lq find Game --where 'online = true' --count": Plan(started=None),
    "lq find Game --where 'score gt 100' --order -score,name --limit 3": Plan(
        started=None,
        setup=_three_high_scores,
        patterns=(("xWMyZ4YEGZ", r"\w{10}"), ("k3J9aQ2mPz", r"\w{10}"), ("Pq81nZ0aLm", r"\w{10}")),
    ),
    "lq find Game --where 'score gt 100' --json | jq -r .object.player": Plan(
        started=None, setup=_three_high_scores
    ),
    "lq find Game --where 'score gt 100' --count": Plan(started=None, setup=_forty_two_high_scores),
    "lq find Game --where 'tag = nightly' --exit-status -t '{id}' > ids || echo \"nothing\"": Plan(
        started=None, replace=(("> ids", "> {tmp}/ids"),)
    ),
    "lq find Game --where 'score gt 100' --keys score --show player --timestamps none"
    " --order -score": Plan(
        started=None,
        setup=_three_high_scores,
        patterns=(("xWMyZ4YEGZ", r"\w{10}"), ("k3J9aQ2mPz", r"\w{10}"), ("Pq81nZ0aLm", r"\w{10}")),
    ),
    # lq watch: stdout is a pipe here, so it prints the table once (the live table runs
    # in a real pty in tests/cli/commands/test_watch_e2e.py)
    "lq watch Game --where 'score gt 100' --sort -score": Plan(started=None),
    "lq watch Game --where 'score gt 100' --columns player,score --sort -score": Plan(
        synopsis=True  # its output is the live screen, shown in a pty by test_watch_e2e.py
    ),
    "lq watch Game --where 'tag = demo' --columns name,score --sort -score | cat": Plan(
        started=None, setup=_demo_scores
    ),
    # lq tail --exec: no event arrives within the second, so no command runs
    "lq tail Order --events create --exec './ship.sh {id}'": Plan(
        status=124, append=TIMEOUT_1S, stdout_check=_no_lines
    ),
    "lq tail Job --where 'status = done' --exec 'notify-send \"job finished\" {object.name}'": Plan(
        status=124, append=TIMEOUT_1S, stdout_check=_no_lines
    ),
    "lq tail Order --events create --exec './ship.sh {id}' --on-exec-error stop": Plan(
        status=124, append=TIMEOUT_1S, stdout_check=_no_lines
    ),
    "lq tail Upload --exec 'jq -r .object.url' --exec-concurrency 4 --exec-timeout 30s": Plan(
        status=124, append=TIMEOUT_1S, stdout_check=_no_lines
    ),
    "lq tail Game --shell --exec 'echo {object.player} >> \"$HOME/players.txt\"'": Plan(
        status=124, append=TIMEOUT_1S, env=(("HOME", "{tmp}"),), stdout_check=_no_lines
    ),
    "lq tail --exec 'echo {id}' | head -1": Plan(synopsis=True),  # a fragment in prose
}


def _assert_last(lines: list[str], last: str) -> None:
    assert lines, "no output"
    assert lines[-1] == last, lines


# --- running ------------------------------------------------------------------------------


def _split_command(command: str) -> tuple[str, str]:
    """``lq ...`` and the rest of the shell line (`` | jq``, `` && echo ...``)."""
    for operator in (" | ", " && "):
        if operator in command:
            head, _, tail = command.partition(operator)
            return head, operator + tail
    return command, ""


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _pump(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def _start(command: str, env: dict[str, str], server: Any) -> Run:
    process = subprocess.Popen(
        ["bash", "-o", "pipefail", "-c", command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,  # signals go to the whole pipeline
    )
    out: queue.Queue[str | None] = queue.Queue()
    err: queue.Queue[str | None] = queue.Queue()
    assert process.stdout is not None
    assert process.stderr is not None
    for stream, lines in ((process.stdout, out), (process.stderr, err)):
        threading.Thread(target=_pump, args=(stream, lines), daemon=True).start()
    return Run(process, out, err, server)


def _line_pattern(doc_line: str, patterns: list[tuple[str, str]]) -> re.Pattern[str]:
    """The regex a shown line stands for: times, and the plan's placeholders, vary."""
    text = re.escape(doc_line)
    text = re.sub(r"\\?\d\d:\d\d:\d\d\\?\.\d{3}", r"\\d\\d:\\d\\d:\\d\\d\\.\\d{3}", text)
    text = text.replace(re.escape("(...)"), r"\(.*\)")
    for literal, regex in patterns:
        text = text.replace(re.escape(literal), regex)
    return re.compile(text)


def _check_shown(shown: list[str], printed: list[str], patterns: list[tuple[str, str]]) -> None:
    assert len(printed) == len(shown), f"shown {shown}\nprinted {printed}"
    for doc_line, line in zip(shown, printed, strict=True):
        assert _line_pattern(doc_line, patterns).fullmatch(line), (
            f"the docs show\n  {doc_line}\nlq printed\n  {line}"
        )


def _run_example(example: Example, plan: Plan, server: Any, tmp_path: Path) -> None:
    values = {"tmp": str(tmp_path)}
    # The docs assume no LQ_* settings and no proxy of the machine's.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("LQ_") and not key.lower().endswith("_proxy")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if server is not None:
        host_port = server.rest_url.split("//", 1)[1].split("/", 1)[0]
        values.update(server_url=server.rest_url, app_id=server.app_id, host_port=host_port)
        if plan.server_env:
            env.update(
                LQ_SERVER_URL=server.rest_url, LQ_APP_ID=server.app_id, LQ_JS_KEY=server.js_key
            )
    if plan.server_env:
        env["LQ_CONFIG_DIR"] = str(tmp_path / "config")  # no profiles of the machine's
    if plan.setup is not None:
        plan.setup(server, tmp_path, values)
    env.update({key: _fill(value, values) for key, value in plan.env})
    command = example.command
    for literal, replacement in plan.replace:
        command = command.replace(literal, _fill(replacement, values))
    head, tail = _split_command(command)
    if plan.append:
        head = f"{head} {plan.append}"
    run = _start(head + tail, env, server)
    try:
        if plan.started is not None:
            run.wait_stderr(plan.started)
        if plan.during is not None:
            plan.during(run, values)
        status, stdout, stderr = run.finish()
    finally:
        if run.process.poll() is None:
            os.killpg(run.process.pid, signal.SIGKILL)
            run.process.wait(timeout=WAIT_S)
        for stream in (run.process.stdout, run.process.stderr):
            if stream is not None:
                stream.close()
    report = f"{example.where}: {head + tail}\nstdout {stdout}\nstderr {stderr}"
    assert status == plan.status, report
    assert not any("Traceback" in line for line in stderr), report
    escaped = {key: re.escape(value) for key, value in values.items()}
    patterns = [(literal, _fill(regex, escaped)) for literal, regex in plan.patterns]
    if example.stdout:
        _check_shown(example.stdout, stdout, patterns)
    if example.stderr:
        _check_shown(example.stderr, stderr, patterns)
    if plan.stdout_check is not None:
        plan.stdout_check(stdout)


# --- the tests ------------------------------------------------------------------------------

EXAMPLES = doc_examples()
_BY_COMMAND = {example.command: example for example in EXAMPLES}


def _params(served: bool) -> list[Any]:
    return [
        pytest.param(example, id=example.where)
        for command, example in _BY_COMMAND.items()
        if command in PLANS and not PLANS[command].synopsis and PLANS[command].server == served
    ]


def test_every_example_has_a_plan() -> None:
    missing = [f"{e.where}: {e.command}" for e in EXAMPLES if e.command not in PLANS]
    assert missing == [], "new doc examples: add a plan to PLANS for\n" + "\n".join(missing)
    stale = sorted(set(PLANS) - set(_BY_COMMAND))
    assert stale == [], f"plans for examples the docs no longer have: {stale}"


def test_repeated_examples_show_the_same_output() -> None:
    for example in EXAMPLES:
        first = _BY_COMMAND[example.command]
        if example.shows_output and first.shows_output:
            assert (example.stdout, example.stderr) == (first.stdout, first.stderr), example.where


@pytest.mark.parametrize("example", _params(served=False))
def test_example_without_a_server(example: Example, tmp_path: Path) -> None:
    _run_example(example, PLANS[example.command], None, tmp_path)


@pytest.mark.parametrize("example", _params(served=True))
def test_example_against_lq_serve(example: Example, tmp_path: Path, lq_server_factory: Any) -> None:
    server = lq_server_factory()  # a fresh database: nothing but what the example writes
    _run_example(example, PLANS[example.command], server, tmp_path)
