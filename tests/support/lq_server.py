"""Start, crash and restart ``lq serve`` for the tests, like the Parse Server handle.

:class:`LqServer` has the same interface as :class:`rig.parse_server.ParseServer`
(``.rest_url``, ``.ws_url``, ``.app_id``, ``.master_key``, ``.js_key``,
``.rest``, ``.kill()``, ``.stop()``, ``.restart()`` on the same port and the
same database file), so one test can run against either server. The server is
a real subprocess (``python -m livequery_cli serve``); the master key reaches
it through the environment, never the command line.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.child_process import discard
from support.parse_server import CLASS_NAMES
from support.rest_writer import RestWriter

START_TIMEOUT_S = 30.0

__all__ = ["CLASS_NAMES", "LqServer", "LqServerStartError", "lq_server", "lq_server_factory"]


class LqServerStartError(RuntimeError):
    pass


class LqServer:
    """One ``lq serve`` process on a loopback port it keeps across restarts."""

    def __init__(
        self,
        *,
        app_id: str = "lq-test",
        master_key: str | None = None,
        js_key: str | None = None,
        db: str | None = None,
        mount: str = "/parse",
        extra_args: tuple[str, ...] = (),
        host: str = "127.0.0.1",
    ) -> None:
        self.app_id = app_id
        self.master_key = master_key or f"mk-{secrets.token_hex(16)}"
        self.js_key = js_key or f"js-{secrets.token_hex(8)}"
        self.rest_key = self.js_key
        self.host = host
        self.mount = mount
        self.port = 0
        self.extra_args = extra_args
        self._dir = Path(tempfile.mkdtemp(prefix="lq-serve-"))
        self.db = db or str(self._dir / "lq.sqlite")
        self.log_path = self._dir / "lq-serve.log"
        # lq serve publishes every class; the Parse rig's names keep tests portable.
        self.class_names = CLASS_NAMES
        self._process: subprocess.Popen[bytes] | None = None
        self.rest = RestWriter(
            self.rest_url, app_id, master_key=self.master_key, rest_key=self.js_key
        )
        atexit.register(self.close)

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.port}{self.mount}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}{self.mount}"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __repr__(self) -> str:
        return f"<LqServer {self.rest_url} app={self.app_id!r}>"

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "livequery_cli", "serve",
            "--port", str(self.port), "--host", self.host, "--db", self.db,
            "--app-id", self.app_id, "--js-key", self.js_key, "--mount", self.mount,
            *self.extra_args,
        ]  # fmt: skip

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
        env["LQ_MASTER_KEY"] = self.master_key
        return env

    def start(self, timeout: float = START_TIMEOUT_S) -> LqServer:
        if self.running:
            return self
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._start_once(deadline)
                return self
            except LqServerStartError as error:
                if self.port == 0 or "cannot listen" not in str(error):
                    raise
                if time.monotonic() + 0.2 >= deadline:
                    raise
                time.sleep(0.2)  # the old process's port is briefly unavailable

    def _start_once(self, deadline: float) -> None:
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                self.command(),
                env=self.env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        self._process = process
        assert process.stdout is not None
        buffered = b""
        while buffered.count(b"\n") < 2:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._discard()
                raise LqServerStartError(f"lq serve did not print its URLs: {self.log_tail()}")
            readable, _, _ = select.select([process.stdout], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                process.wait(timeout=10)
                self._discard()
                raise LqServerStartError(f"lq serve exited: {self.log_tail()}")
            buffered += chunk
        rest_line = buffered.split(b"\n")[0].decode()
        self.port = urllib.parse.urlsplit(rest_line).port or 0
        self.rest.rest_url = self.rest_url

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:]).replace(self.master_key, "***")

    def _discard(self) -> None:
        process, self._process = self._process, None
        discard(process)

    def kill(self) -> None:
        """SIGKILL: sockets drop without a close frame."""
        self._discard()

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM and wait; returns the exit status (None if it had to be killed)."""
        process = self._process
        status: int | None = None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                status = process.wait(timeout=timeout)
        elif process is not None:
            status = process.returncode
        self._discard()
        return status

    def restart(self, timeout: float = START_TIMEOUT_S) -> LqServer:
        self.stop()
        return self.start(timeout)

    def ensure_running(self) -> None:
        if not self.running:
            self.start()

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> LqServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()


@pytest.fixture(scope="session")
def lq_server() -> Iterator[LqServer]:
    """One shared ``lq serve`` for the session (restarted if a test left it down)."""
    server = LqServer().start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def lq_server_factory() -> Iterator[Any]:
    """``make(**options) -> LqServer``, started; stopped after the test."""
    servers: list[LqServer] = []

    def make(**options: Any) -> LqServer:
        server = LqServer(**options).start()
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.close()
