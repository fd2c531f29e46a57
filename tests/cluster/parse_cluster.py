"""A Parse Server cluster in the test rig, with an ``lq serve --parse-server`` node.

PostgreSQL, a private Redis, one Parse Server 9.10 with ``redisURL`` and
``liveQuery.classNames`` (it publishes on Redis; its own LiveQuery server,
subscribed to the same Redis, is "Parse's node"), and ``lq serve
--parse-server`` as a real subprocess (``python -m livequery_cli serve``)
with the master key in its environment only.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from support.child_process import child_preexec, discard
from support.fixtures import _unavailable
from support.parse_server import ParseServer
from support.postgres import PostgresCluster
from support.redis import RedisServer, redis_binary
from support.scratch_dir import make_scratch_dir

START_TIMEOUT_S = 30.0


class LqNode:
    """One ``lq serve --parse-server`` process."""

    def __init__(self, parse: ParseServer, redis: RedisServer, *extra: str) -> None:
        self.parse = parse
        self.redis = redis
        self.extra = extra
        self.ws_url = ""
        self._dir = make_scratch_dir("lq-node-")
        self.log_path = self._dir / "node.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> LqNode:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
        env["LQ_MASTER_KEY"] = self.parse.master_key
        env["LQ_CONFIG_DIR"] = str(self._dir)
        command = [
            sys.executable, "-m", "livequery_cli", "serve",
            "--parse-server", self.parse.rest_url,
            "--redis-url", self.redis.url,
            "--app-id", self.parse.app_id,
            "--js-key", self.parse.js_key,
            "--port", "0",
            *self.extra,
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                preexec_fn=child_preexec(),
            )
        assert self._process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._process.stdout], [], [], max(remaining, 0))
            if not ready:
                raise RuntimeError(f"lq node did not start:\n{self.log_tail()}")
            chunk = os.read(self._process.stdout.fileno(), 1)
            if not chunk:
                raise RuntimeError(f"lq node exited:\n{self.log_tail()}")
            line += chunk
        self.ws_url = line.decode().strip()
        return self

    @property
    def pid(self) -> int:
        """The node's process id (the benchmarks read its CPU and RSS)."""
        assert self._process is not None, "the node is not running"
        return self._process.pid

    # The address the JS SDK helper (rig.sdk_tail) wants: REST is the Parse Server's.
    @property
    def rest_url(self) -> str:
        return self.parse.rest_url

    @property
    def app_id(self) -> str:
        return self.parse.app_id

    @property
    def js_key(self) -> str:
        return self.parse.js_key

    @property
    def master_key(self) -> str:
        return self.parse.master_key

    def log_tail(self) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
        except OSError:
            return "(no log)"

    def close(self) -> None:
        process, self._process = self._process, None
        discard(process)


# Module-scoped fixtures: a test module imports them to get its own cluster.


@pytest.fixture(scope="module")
def redis_bus() -> Iterator[RedisServer]:
    if redis_binary() is None:
        _unavailable("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def parse(postgres: PostgresCluster, redis_bus: RedisServer) -> Iterator[ParseServer]:
    server = ParseServer(postgres.create_database(), redis_url=redis_bus.url)
    try:
        yield server.start()
    finally:
        server.close()


@pytest.fixture(scope="module")
def lq_node(parse: ParseServer, redis_bus: RedisServer) -> Iterator[LqNode]:
    node = LqNode(parse, redis_bus)
    try:
        yield node.start()
    finally:
        node.close()
