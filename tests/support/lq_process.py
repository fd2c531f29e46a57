"""Running the installed ``lq`` as a child process and reading its streams with deadlines.

Reader threads move stdout and stderr lines into queues, so a test can wait
for "subscribed" on stderr (never sleep) and then for event lines on stdout,
each with a timeout, and always gets the process cleaned up.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import IO

LQ_COMMAND = [sys.executable, "-m", "livequery_cli"]
WAIT_S = 30.0


class LqProcess:
    """One ``lq`` child process with line queues for stdout and stderr."""

    def __init__(
        self,
        args: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        stdout: int | IO[bytes] | None = subprocess.PIPE,
    ) -> None:
        full_env = dict(os.environ)
        full_env.update(env or {})
        full_env["PYTHONUNBUFFERED"] = "0"
        self.args = [*LQ_COMMAND, *args]
        self.process = subprocess.Popen(
            self.args,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=full_env,
        )
        self.stdout_lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_lines: queue.Queue[str | None] = queue.Queue()
        self.stderr_seen: list[str] = []
        self._threads = []
        if self.process.stdout is not None:
            self._threads.append(self._pump(self.process.stdout, self.stdout_lines))
        assert self.process.stderr is not None
        self._threads.append(self._pump(self.process.stderr, self.stderr_lines))

    @staticmethod
    def _pump(stream: IO[bytes], lines: queue.Queue[str | None]) -> threading.Thread:
        def run() -> None:
            for raw in iter(stream.readline, b""):
                lines.put(raw.decode("utf-8", "replace").rstrip("\n"))
            lines.put(None)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def wait_stderr(self, needle: str, timeout: float = WAIT_S) -> str:
        """Wait for a stderr line containing ``needle``; fail with what was seen."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {needle!r} on stderr; saw {self.stderr_seen}")
            try:
                line = self.stderr_lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(
                    f"stderr closed before {needle!r}; saw {self.stderr_seen} "
                    f"(exit {self.process.poll()})"
                )
            self.stderr_seen.append(line)
            if needle in line:
                return line

    def read_stdout(self, count: int, timeout: float = WAIT_S) -> list[str]:
        """The next ``count`` stdout lines (fails on timeout or EOF)."""
        deadline = time.monotonic() + timeout
        out: list[str] = []
        while len(out) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"only {len(out)} of {count} lines: {out}")
            try:
                line = self.stdout_lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                raise AssertionError(f"stdout closed after {out}; stderr {self.rest_of_stderr()}")
            out.append(line)
        return out

    def wait(self, timeout: float = WAIT_S) -> int:
        return self.process.wait(timeout=timeout)

    def signal(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def rest_of_stderr(self, timeout: float = WAIT_S) -> list[str]:
        """Every stderr line up to EOF (after the process ended)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.stderr_lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return self.stderr_seen
            if line is None:
                return self.stderr_seen
            self.stderr_seen.append(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=WAIT_S)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
