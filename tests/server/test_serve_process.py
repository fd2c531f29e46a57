"""``lq serve`` as a process: its two URL lines, clean shutdown, restarts, exit codes."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.lq_server import LqServer
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

SERVE = [sys.executable, "-m", "livequery_cli", "serve"]


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    full_env.update(env or {})
    return subprocess.run(
        SERVE + args, capture_output=True, text=True, timeout=30, env=full_env, check=False
    )


def test_prints_exactly_two_urls_and_never_the_master_key(lq_server_factory: Any) -> None:
    server: LqServer = lq_server_factory()
    assert server.port > 0
    assert server.rest.health() == {"status": "ok"}
    server.stop()
    log = server.log_path.read_text()
    assert server.master_key not in log


def test_stdout_is_the_two_urls(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*SERVE, "--port", "0", "--db", ":memory:", "--mount", "/api"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("LQ_")},
             "LQ_MASTER_KEY": "very-secret-master"},
    )  # fmt: skip
    try:
        assert process.stdout is not None
        rest_line = process.stdout.readline()
        ws_line = process.stdout.readline()
        assert rest_line.startswith("http://127.0.0.1:")
        assert rest_line.endswith("/api\n")
        assert ws_line == rest_line.replace("http://", "ws://")
        process.terminate()
        out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    assert out == ""
    assert "very-secret-master" not in err


async def test_sigterm_closes_clients_with_a_close_frame(lq_server_factory: Any) -> None:
    server: LqServer = lq_server_factory()
    async with connect(server.ws_url) as ws:
        hello = {"op": "connect", "applicationId": server.app_id, "javascriptKey": server.js_key}
        await ws.send(orjson.dumps(hello).decode())
        assert orjson.loads(await asyncio.wait_for(ws.recv(), 5))["op"] == "connected"
        status = await asyncio.to_thread(server.stop)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
    assert status == 0
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1001


def test_restart_keeps_port_and_data(lq_server_factory: Any) -> None:
    server: LqServer = lq_server_factory()
    port = server.port
    created = server.rest.create("Game", {"score": 42})
    object_id = created["objectId"] if isinstance(created, dict) else created
    server.restart()
    assert server.port == port
    assert server.rest.get("Game", object_id)["score"] == 42
    server.kill()  # a crash: the WAL file still holds every committed write
    server.start()
    assert server.rest.get("Game", object_id)["score"] == 42


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    bad_port = _run(["--port", "nope"])
    assert bad_port.returncode == 2
    missing = _run(["--port", "0", "--master-key-file", str(tmp_path / "missing")])
    assert missing.returncode == 2
    assert "master key file" in missing.stderr
    assert "Traceback" not in missing.stderr
    bad_mount = _run(["--port", "0", "--mount", "parse"])
    assert bad_mount.returncode == 2


def test_port_in_use_exits_1() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run(["--port", str(port), "--db", ":memory:"])
    assert result.returncode == 1
    assert "cannot listen" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_database_file_serves_one_server_at_a_time(lq_server_factory: Any) -> None:
    first: LqServer = lq_server_factory()
    result = _run(["--port", "0", "--db", first.db])
    assert result.returncode == 1
    assert "in use by another lq serve" in result.stderr
