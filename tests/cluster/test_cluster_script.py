"""``examples/cluster.sh`` and the "Scaling out" recipe of docs/serve.md, run end to end.

The script starts Redis, Parse Server 9.10 through its own CLI (the rig's
``tests/node`` install, as ``PARSE_SERVER_BIN``) on the rig's PostgreSQL,
creates the published class and starts ``lq serve --parse-server``; the
test then runs the ``lq tail`` command the docs show next to it and checks
that a write made through Parse Server's REST API reaches it through lq's
node. The script's announcement must be the line the docs show (ports aside),
so the recipe and the script cannot drift apart.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import shlex
import signal
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.child_process import free_port
from support.postgres import PostgresCluster
from support.redis import redis_binary
from support.waiting import Deadline, until

pytestmark = [pytest.mark.parse_server, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "cluster.sh"
SERVE_DOC = ROOT / "docs" / "serve.md"
PARSE_SERVER_BIN = ROOT / "tests" / "node" / "node_modules" / ".bin" / "parse-server"
LQ_BIN = Path(sys.executable).parent / "lq"
DOC_PARSE_PORT, DOC_LQ_PORT = "1337", "1340"
START_S = 150.0
EVENT_S = 30.0


def recipe() -> tuple[str, str, str]:
    """(script command, the line it prints, the lq tail command) from docs/serve.md."""
    text = SERVE_DOC.read_text("utf-8")
    block = next(
        b for b in re.findall(r"```console\n(.*?)```", text, re.S) if "examples/cluster.sh" in b
    )
    lines = block.replace("\\\n", " ").splitlines()
    commands = [" ".join(line[2:].split()) for line in lines if line.startswith("$ ")]
    shown = [line for line in lines if not line.startswith("$ ") and line.strip()]
    assert len(commands) == 2, commands
    assert len(shown) == 1, shown
    return commands[0], shown[0], commands[1]


def _ports(text: str, parse_port: int, lq_port: int) -> str:
    return text.replace(f":{DOC_PARSE_PORT}/", f":{parse_port}/").replace(
        f":{DOC_LQ_PORT}/", f":{lq_port}/"
    )


class Script:
    def __init__(self, process: subprocess.Popen[bytes], log: Path) -> None:
        self.process = process
        self.log = log

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def cluster_script(
    postgres: PostgresCluster, tmp_path: Path
) -> Iterator[tuple[Script, dict[str, int]]]:
    if redis_binary() is None:
        pytest.skip("redis-server is not installed")
    script_command, _, _ = recipe()
    assignments, _, program = script_command.rpartition(" ")
    assert program == "examples/cluster.sh", script_command
    assert assignments.startswith("DATABASE_URI="), script_command
    ports = {"REDIS_PORT": free_port(), "PARSE_PORT": free_port(), "LQ_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LQ_", "PARSE_"))}
    env.update({name: str(port) for name, port in ports.items()})
    env.update(
        DATABASE_URI=postgres.create_database(),
        PARSE_SERVER_BIN=str(PARSE_SERVER_BIN),
        LQ_BIN=str(LQ_BIN),
        LQ_CONFIG_DIR=str(tmp_path / "config"),
    )
    log = tmp_path / "cluster.log"
    with log.open("wb") as sink:
        # Its own session: the script and everything it starts form one process group.
        process = subprocess.Popen(
            ["bash", str(SCRIPT)],
            cwd=tmp_path,  # Parse Server's CLI writes ./logs
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    script = Script(process, log)
    try:
        yield script, ports
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # the script's trap stops its jobs
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # anything of the group left behind
        process.wait(timeout=10)


def _create(rest_url: str, app_id: str, fields: dict[str, object]) -> None:
    """A client's create, with the application id only (the script sets no client keys)."""
    request = urllib.request.Request(
        f"{rest_url}/classes/Game",
        data=json.dumps(fields).encode(),
        headers={"X-Parse-Application-Id": app_id, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=EVENT_S) as response:
        assert response.status == 201


def test_cluster_script_serves_an_event_through_lq_node(
    cluster_script: tuple[Script, dict[str, int]], tmp_path: Path
) -> None:
    script, ports = cluster_script
    _, announced, tail_command = recipe()
    expected = _ports(announced, ports["PARSE_PORT"], ports["LQ_PORT"])
    until(
        lambda: expected in script.output() or script.process.poll() is not None,
        timeout=START_S,
        what="the script's announcement",
    )
    assert expected in script.output(), script.output()[-3000:]
    app_id = re.search(r"app id: ([^;]+);", expected)
    rest_url = re.search(r"REST: (\S+);", expected)
    assert app_id is not None
    assert rest_url is not None

    argv = shlex.split(_ports(tail_command, ports["PARSE_PORT"], ports["LQ_PORT"]))
    assert argv[0] == "lq", tail_command
    argv = [str(LQ_BIN), *argv[1:], "--json", "--snapshot", "--status-events"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    env["LQ_CONFIG_DIR"] = str(tmp_path / "tail-config")
    tail = subprocess.Popen(
        argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert tail.stdout is not None
        deadline = Deadline(EVENT_S)
        tag = uuid.uuid4().hex
        records: list[dict[str, object]] = []
        while True:
            left = deadline.remaining(f"lq tail's event; records so far: {records}")
            if not select.select([tail.stdout], [], [], left)[0]:
                continue
            line = tail.stdout.readline()
            assert line, f"lq tail ended: {tail.wait(timeout=10)} {tail.stderr.read()!r}"  # type: ignore[union-attr]
            record = json.loads(line)
            records.append(record)
            if record.get("kind") == "status" and record.get("state") == "synced":
                _create(rest_url.group(1), app_id.group(1), {"tag": tag, "score": 7})
            obj = record.get("object")
            if record.get("kind") == "event" and isinstance(obj, dict) and obj.get("tag") == tag:
                assert record.get("op") == "create", record
                assert obj.get("score") == 7, record
                break
    finally:
        tail.terminate()
        tail.wait(timeout=10)
        if tail.stdout is not None:
            tail.stdout.close()
        if tail.stderr is not None:
            tail.stderr.close()
