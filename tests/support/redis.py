"""A throwaway Redis for multi-node Parse Server tests.

Parse scales LiveQuery by running several nodes that share one Redis pub/sub
channel (``redisURL``): a write on any node reaches subscribers on every node.
Failover tests need exactly that topology, so the rig can start a private
``redis-server`` (Debian's package) on a random loopback port, with no
persistence, and remove it afterwards.
"""

from __future__ import annotations

import atexit
import shutil
import signal
import subprocess
import time

from support.child_process import child_preexec, free_port
from support.scratch_dir import make_scratch_dir

_START_TIMEOUT_S = 15.0


class RedisUnavailable(RuntimeError):
    """``redis-server`` is not installed."""


class RedisStartError(RuntimeError):
    """redis-server did not become ready; the message carries its output."""


def redis_binary() -> str | None:
    return shutil.which("redis-server")


class RedisServer:
    """One private redis-server; ``url`` is what Parse Server's ``redisURL`` takes."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        binary = redis_binary()
        if binary is None:
            raise RedisUnavailable("redis-server is not installed (apt-get install redis-server)")
        self._binary = binary
        self.host = host
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._dir = make_scratch_dir("lq-redis-")
        self._log_path = self._dir / "redis.log"
        atexit.register(self.stop)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> RedisServer:
        """Start on a free port, retrying if another process grabs the port first."""
        for _attempt in range(3):
            self.port = free_port(self.host)
            try:
                self._start_once()
                return self
            except RedisStartError as error:
                if "Address already in use" not in str(error):
                    raise
        raise RedisStartError(f"no free port for redis-server:\n{self._tail()}")

    def _start_once(self) -> None:
        command = [
            self._binary,
            "--port", str(self.port),
            "--bind", self.host,
            "--dir", str(self._dir),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--loglevel", "notice",
        ]  # fmt: skip
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=child_preexec(),
            )
        deadline = time.monotonic() + _START_TIMEOUT_S
        while b"Ready to accept connections" not in self._log():
            if self._process.poll() is not None:
                self._process = None
                raise RedisStartError(f"redis-server exited at start-up:\n{self._tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RedisStartError(f"redis-server not ready in time:\n{self._tail()}")
            time.sleep(0.02)

    def _log(self) -> bytes:
        try:
            return self._log_path.read_bytes()
        except OSError:
            return b""

    def _tail(self) -> str:
        return "\n".join(self._log().decode(errors="replace").splitlines()[-15:])

    def stop(self) -> None:
        """Stop the server and delete its directory. Idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        shutil.rmtree(self._dir, ignore_errors=True)

    def kill(self) -> None:
        """SIGKILL (the shared bus disappears; Parse nodes lose cross-node events)."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=5)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<RedisServer {self.url} {state}>"
