"""Start, crash and restart a real Parse Server 9 (with LiveQuery) for the tests.

The server is ``tests/node/parse_server.js`` run by Node, one process per
server, on a loopback port it picks itself (port 0) the first time and keeps
across restarts, so clients can reconnect to the same URL after a crash.
``kill()`` sends SIGKILL to simulate a crash; ``stop()`` is a clean shutdown.

Node packages come from ``tests/node/package-lock.json``. Provisioning runs
``npm ci`` beforehand; when ``node_modules`` is missing the rig runs it once
itself, under a file lock so parallel test processes do not race.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import select
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from support.child_process import child_preexec, discard
from support.rest_writer import RestWriter
from support.scratch_dir import make_scratch_dir

NODE_DIR = Path(__file__).resolve().parent.parent / "node"
LAUNCHER = NODE_DIR / "parse_server.js"
SDK_TAIL = NODE_DIR / "sdk_tail.js"
PARSE_SERVER_VERSION = "9.10.0"
PARSE_SDK_VERSION = "8.6.2"
START_TIMEOUT_S = 60.0
NPM_CI_TIMEOUT_S = 600.0
_BIND_RETRY_S = 0.2

#: The classes every rig server publishes through LiveQuery (and creates at start).
#: Tests share them and isolate themselves with unique field values.
CLASS_NAMES: tuple[str, ...] = (
    "Game", "Player", "Job", "Item", "Note", "Secret", "Message", "Doc", "Order",
    "Event", "Task", "Bench", "Demo", "Post", "Comment", "Room", "Sensor", "Reading",
    "Counter", "Place", "Wire", "_User", "_Role",
)  # fmt: skip


class ParseServerUnavailable(RuntimeError):
    """Node, npm or the pinned packages are missing on this machine."""


class ParseServerStartError(RuntimeError):
    """The server did not report READY in time; the message carries its log tail."""


def node_unavailable_reason() -> str | None:
    """Why Parse Server cannot run here, or None (before any ``npm ci``)."""
    if shutil.which("node") is None:
        return "node is not installed (Parse Server needs Node.js >= 20.19)"
    if not _node_modules_ready() and shutil.which("npm") is None:
        return "tests/node/node_modules is missing and npm is not installed to create it"
    return None


def _node_modules_ready() -> bool:
    """True when the pinned Parse Server and JS SDK are installed in tests/node."""
    for package, version in (("parse-server", PARSE_SERVER_VERSION), ("parse", PARSE_SDK_VERSION)):
        manifest = NODE_DIR / "node_modules" / package / "package.json"
        try:
            if json.loads(manifest.read_text())["version"] != version:
                return False
        except (OSError, ValueError, KeyError):
            return False
    return True


def ensure_node_modules() -> None:
    """Run ``npm ci`` in tests/node unless the pinned packages are installed already."""
    if _node_modules_ready():
        return
    digest = hashlib.sha256(str(NODE_DIR).encode()).hexdigest()[:16]
    lock_path = Path(tempfile.gettempdir()) / f"lq-rig-npm-ci-{digest}.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _node_modules_ready():  # another test process finished it while we waited
            return
        result = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            timeout=NPM_CI_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0 or not _node_modules_ready():
            tail = "\n".join(result.stdout.decode(errors="replace").splitlines()[-20:])
            raise ParseServerUnavailable(f"npm ci in {NODE_DIR} failed:\n{tail}")


class ParseServer:
    """One Parse Server process and everything a test needs to talk to it.

    Keys are random per server. ``master_key`` is an attribute because tests
    hand it to clients, but it is never part of a repr, a log line or an error.
    """

    def __init__(
        self,
        database_uri: str | None,
        *,
        app_id: str = "lq-test",
        master_key: str | None = None,
        js_key: str | None = None,
        rest_key: str | None = None,
        class_names: Sequence[str] = CLASS_NAMES,
        redis_url: str | None = None,
        livequery_only: bool = False,
        server_url: str | None = None,
        cache_timeout_ms: int | None = None,
        host: str = "127.0.0.1",
        mount: str = "/parse",
    ) -> None:
        self.database_uri = database_uri
        self.app_id = app_id
        self.master_key = master_key or f"mk-{secrets.token_hex(16)}"
        self.js_key = js_key or f"js-{secrets.token_hex(8)}"
        self.rest_key = rest_key or f"rest-{secrets.token_hex(8)}"
        self.class_names = tuple(class_names)
        self.redis_url = redis_url
        self.livequery_only = livequery_only
        self.server_url = server_url
        self.cache_timeout_ms = cache_timeout_ms
        self.host = host
        self.mount = mount
        self.port = 0
        self.start_seconds: float | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._dir = make_scratch_dir("lq-parse-")
        self.log_path = self._dir / "parse-server.log"
        self.rest = RestWriter(
            self.rest_url_for(0), app_id, master_key=self.master_key, rest_key=self.rest_key
        )
        atexit.register(self.close)

    # -- addresses -------------------------------------------------------------------

    def rest_url_for(self, port: int) -> str:
        return f"http://{self.host}:{port}{self.mount}"

    @property
    def rest_url(self) -> str:
        """``http://127.0.0.1:PORT/parse``."""
        return self.rest_url_for(self.port)

    @property
    def ws_url(self) -> str:
        """``ws://127.0.0.1:PORT/parse``: LiveQuery shares the REST port."""
        return f"ws://{self.host}:{self.port}{self.mount}"

    def peer_options(self) -> dict[str, Any]:
        """Options for another node of the same app: same database, keys and Redis.

        ``ParseServer(**server.peer_options())`` (or ``parse_server_factory(**...)``)
        gives a second node that shares LiveQuery events with this one through
        ``redis_url``, which must then be set on both.
        """
        return {
            "database_uri": self.database_uri,
            "app_id": self.app_id,
            "master_key": self.master_key,
            "js_key": self.js_key,
            "rest_key": self.rest_key,
            "class_names": self.class_names,
            "redis_url": self.redis_url,
            "host": self.host,
            "mount": self.mount,
        }

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ParseServer {self.rest_url} app={self.app_id!r} {state}>"

    # -- lifecycle -------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("LQ_", "PARSE_SERVER_", "PARSE_"))
        }
        env.update(
            LQ_RIG_PORT=str(self.port),
            LQ_RIG_HOST=self.host,
            LQ_RIG_MOUNT=self.mount,
            LQ_RIG_APP_ID=self.app_id,
            LQ_RIG_MASTER_KEY=self.master_key,
            LQ_RIG_JS_KEY=self.js_key,
            LQ_RIG_REST_KEY=self.rest_key,
            LQ_RIG_CLASS_NAMES=",".join(self.class_names),
            LQ_RIG_LOG_LEVEL=os.environ.get("LQ_RIG_LOG_LEVEL", "error"),
            NODE_ENV="test",
        )
        optional = {
            "LQ_RIG_DATABASE_URI": self.database_uri,
            "LQ_RIG_REDIS_URL": self.redis_url,
            "LQ_RIG_SERVER_URL": self.server_url,
            "LQ_RIG_LIVEQUERY_ONLY": "1" if self.livequery_only else None,
            "LQ_RIG_CACHE_TIMEOUT_MS": (
                None if self.cache_timeout_ms is None else str(self.cache_timeout_ms)
            ),
        }
        env.update({key: value for key, value in optional.items() if value is not None})
        return env

    def start(self, timeout: float = START_TIMEOUT_S) -> ParseServer:
        """Start the process and wait for its READY line. A no-op if it is running."""
        if self.running:
            return self
        ensure_node_modules()
        deadline = time.monotonic() + timeout
        while True:
            began = time.monotonic()
            process = self._spawn()
            try:
                self._started(self._read_ready(process, deadline), began)
                return self
            except ParseServerStartError as error:
                if not self._retry_bind(error, deadline):
                    raise
            time.sleep(_BIND_RETRY_S)

    async def start_async(self, limit_s: float = START_TIMEOUT_S) -> ParseServer:
        """:meth:`start` for async tests: the event loop keeps running while Node boots.

        The process is still spawned by the calling thread (see rig.child_process);
        only the wait for READY runs in a worker thread.
        """
        if self.running:
            return self
        await asyncio.to_thread(ensure_node_modules)
        deadline = time.monotonic() + limit_s
        while True:
            began = time.monotonic()
            process = self._spawn()
            try:
                port = await asyncio.to_thread(self._read_ready, process, deadline)
                self._started(port, began)
                return self
            except ParseServerStartError as error:
                if not self._retry_bind(error, deadline):
                    raise
            await asyncio.sleep(_BIND_RETRY_S)

    def _retry_bind(self, error: ParseServerStartError, deadline: float) -> bool:
        """After a crash the old port can be briefly taken: retry the bind until the deadline."""
        in_use = self.port != 0 and "EADDRINUSE" in str(error)
        return in_use and time.monotonic() + _BIND_RETRY_S < deadline

    def _spawn(self) -> subprocess.Popen[bytes]:
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                ["node", str(LAUNCHER)],
                cwd=NODE_DIR,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                preexec_fn=child_preexec(),
            )
        return self._process

    def _started(self, port: int, began: float) -> None:
        self.port = port
        self.rest.rest_url = self.rest_url
        self.start_seconds = time.monotonic() - began

    def _read_ready(self, process: subprocess.Popen[bytes], deadline: float) -> int:
        assert process.stdout is not None
        buffered = b""
        while b"\n" not in buffered:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._discard_process()
                raise ParseServerStartError(self._failure("did not report READY in time"))
            readable, _, _ = select.select([process.stdout], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                process.wait(timeout=10)
                code = process.returncode
                self._discard_process()
                raise ParseServerStartError(self._failure(f"exited with status {code}"))
            buffered += chunk
        line = buffered.split(b"\n", 1)[0].decode(errors="replace").strip()
        word, _, port = line.partition(" ")
        if word != "READY" or not port.isdigit():
            self._discard_process()
            raise ParseServerStartError(self._failure(f"printed {line[:80]!r} instead of READY"))
        return int(port)

    def _failure(self, what: str) -> str:
        return f"Parse Server (port {self.port or 'auto'}) {what}; log tail:\n{self.log_tail()}"

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server log, with the master key blanked out."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        tail = "\n".join(text.splitlines()[-lines:])
        return tail.replace(self.master_key, "***")

    def _discard_process(self) -> None:
        process, self._process = self._process, None
        discard(process)

    def kill(self) -> None:
        """SIGKILL the server (a crash: sockets drop without a close frame)."""
        self._discard_process()

    def stop(self, timeout: float = 10.0) -> None:
        """Shut down cleanly (SIGTERM), SIGKILL if it takes longer than ``timeout``."""
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=timeout)
        self._discard_process()

    def restart(self, timeout: float = START_TIMEOUT_S) -> ParseServer:
        """Stop if running, then start again on the same port and database."""
        self.stop()
        return self.start(timeout)

    async def stop_async(self, limit_s: float = 10.0) -> None:
        await asyncio.to_thread(self.stop, limit_s)

    async def restart_async(self, limit_s: float = START_TIMEOUT_S) -> ParseServer:
        """:meth:`restart` without blocking the event loop."""
        await self.stop_async()
        return await self.start_async(limit_s)

    def ensure_running(self) -> None:
        """Restart a server a previous test killed and left down."""
        if not self.running:
            self.start()

    def close(self) -> None:
        """Stop the server and delete its log directory. Idempotent."""
        self.kill()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> ParseServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()
