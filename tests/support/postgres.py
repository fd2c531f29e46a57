"""A throwaway PostgreSQL 15 cluster for the Parse Server tests.

Parse Server needs a real database, and the tests must not touch any database
a developer already runs. So each test session makes its own cluster in a
temporary directory, on a random loopback port, tuned for speed instead of
durability (fsync off: the data is thrown away anyway), and deletes it at the
end.

PostgreSQL refuses to run as root. When the tests run as root (as CI does) the
cluster's files belong to the ``postgres`` OS user and every binary runs as
that user. The server is a direct child of the test process and is told to
die with it (``PR_SET_PDEATHSIG``), so even a test run killed with SIGKILL
leaves no server behind.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from support.child_process import child_preexec, free_port
from support.scratch_dir import make_scratch_dir

PG_BIN_DIR = Path(os.environ.get("LQ_RIG_PG_BIN", "/usr/lib/postgresql/15/bin"))
_START_TIMEOUT_S = 30.0


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL binaries (or the OS user they need) are missing."""


class PostgresStartError(RuntimeError):
    """The cluster could not be created or started; the message carries its log tail."""


def missing_binaries() -> str | None:
    """Why a cluster cannot be made on this machine, or None if it can."""
    for name in ("initdb", "postgres", "createdb"):
        if not os.access(PG_BIN_DIR / name, os.X_OK):
            return (
                f"PostgreSQL binary {PG_BIN_DIR / name} not found (apt-get install postgresql-15)"
            )
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root, but there is no 'postgres' OS user to run PostgreSQL as"
    return None


class PostgresCluster:
    """One running cluster; create databases with :meth:`create_database`."""

    def __init__(self) -> None:
        reason = missing_binaries()
        if reason is not None:
            raise PostgresUnavailable(reason)
        self.host = "127.0.0.1"
        self.port = 0
        self.user = "postgres"
        self._run_as: str | None = "postgres" if os.geteuid() == 0 else None
        self._process: subprocess.Popen[bytes] | None = None
        self._database_count = 0
        self.root = make_scratch_dir("lq-pg-", self._traversable_tmp())
        self.data_dir = self.root / "data"
        self.socket_dir = self.root / "sock"
        self.log_path = self.root / "postgres.log"
        atexit.register(self.stop)

    def _traversable_tmp(self) -> str | None:
        """A temp parent the ``postgres`` user can reach (pytest's own dirs are 0700)."""
        if self._run_as is None:
            return None
        default = Path(tempfile.gettempdir())
        for parent in [default, *default.parents]:
            if parent.stat().st_mode & 0o001 == 0:
                return "/tmp"
        return None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def url(self, database: str) -> str:
        """The ``postgres://`` URI of one database (trust auth: no password)."""
        return f"postgres://{self.user}@{self.host}:{self.port}/{database}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            list(args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            check=False,
            timeout=_START_TIMEOUT_S,
            user=self._run_as,
            group=self._run_as,
            extra_groups=[] if self._run_as else None,
        )

    def start(self) -> PostgresCluster:
        """initdb, then start the server on a free port (retrying if the port is taken)."""
        self.socket_dir.mkdir()
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            for path in (self.root, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        result = self._run(
            str(PG_BIN_DIR / "initdb"),
            "-D", str(self.data_dir),
            "-U", self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )  # fmt: skip
        if result.returncode != 0:
            raise PostgresStartError(f"initdb failed:\n{result.stdout.decode(errors='replace')}")
        last_error = ""
        for _attempt in range(3):
            self.port = free_port(self.host)
            try:
                self._start_server()
                return self
            except PostgresStartError as error:
                last_error = str(error)
                if "could not bind" not in last_error and "in use" not in last_error:
                    break
        self.stop()
        raise PostgresStartError(last_error)

    def _start_server(self) -> None:
        log = self.log_path.open("ab")
        command = [
            str(PG_BIN_DIR / "postgres"),
            "-D", str(self.data_dir),
            "-p", str(self.port),
            "-c", f"listen_addresses={self.host}",
            "-c", f"unix_socket_directories={self.socket_dir}",
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
            "-c", "max_connections=300",
            "-c", "shared_buffers=64MB",
            "-c", "log_min_messages=warning",
        ]  # fmt: skip
        self._process = subprocess.Popen(
            command,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            user=self._run_as,
            group=self._run_as,
            extra_groups=[] if self._run_as else None,
            preexec_fn=child_preexec(),
        )
        log.close()
        deadline = time.monotonic() + _START_TIMEOUT_S
        pid_file = self.data_dir / "postmaster.pid"
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._process = None
                raise PostgresStartError(f"postgres exited at start-up:\n{self.log_tail()}")
            # Line 8 of postmaster.pid turns to "ready" once connections are accepted.
            with contextlib.suppress(OSError):
                lines = pid_file.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return
            time.sleep(0.02)
        raise PostgresStartError(
            f"postgres not ready after {_START_TIMEOUT_S:.0f} s:\n{self.log_tail()}"
        )

    def create_database(self, name: str | None = None) -> str:
        """Create a fresh database and return its ``postgres://`` URI."""
        if name is None:
            self._database_count += 1
            name = f"parse_{self._database_count}"
        result = self._run(
            str(PG_BIN_DIR / "createdb"),
            "-h", str(self.socket_dir),
            "-p", str(self.port),
            "-U", self.user,
            name,
        )  # fmt: skip
        if result.returncode != 0:
            output = result.stdout.decode(errors="replace").strip()
            raise PostgresStartError(f"createdb {name} failed: {output}")
        return self.url(name)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no postgres log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (fast shutdown, then SIGKILL) and delete every file. Idempotent."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGINT)  # "fast" shutdown: aborts open sessions
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PostgresCluster:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<PostgresCluster {self.host}:{self.port} {state} at {self.root}>"


def start_cluster() -> PostgresCluster:
    """Create and start a cluster (raises PostgresUnavailable or PostgresStartError)."""
    return PostgresCluster().start()
