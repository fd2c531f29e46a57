"""Drive ``tests/node/sdk_tail.js``: the official Parse JS SDK as a reference subscriber.

Wire-compatibility tests compare what our code sends or receives with what
Parse's own SDK does; this wrapper starts the SDK subscriber as a child process
and reads its NDJSON records with deadlines (it is an external process, so a
bounded poll on its pipe is the way to wait for it).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from support.child_process import child_preexec
from support.parse_server import NODE_DIR, SDK_TAIL, ensure_node_modules

Record = dict[str, Any]


class ServerAddress(Protocol):
    """What the subscriber needs from a server handle (Parse Server or ``lq serve``)."""

    rest_url: str
    ws_url: str
    app_id: str
    js_key: str
    master_key: str


class SdkTailError(AssertionError):
    """The subscriber did not produce the expected record in time (or died)."""


class SdkTail:
    """One running ``sdk_tail.js`` subscription. Use as a context manager or call close()."""

    def __init__(
        self,
        server: ServerAddress,
        class_name: str,
        where: Mapping[str, Any] | None = None,
        *,
        session_token: str | None = None,
        master: bool = False,
        keys: Sequence[str] | None = None,
        watch: Sequence[str] | None = None,
        count: int | None = None,
        js_key: str | None = None,
    ) -> None:
        ensure_node_modules()
        args = [
            "node", str(SDK_TAIL),
            "--server-url", server.rest_url,
            "--ws-url", server.ws_url,
            "--app-id", server.app_id,
            "--class", class_name,
            "--where", json.dumps(dict(where or {})),
        ]  # fmt: skip
        key = server.js_key if js_key is None else js_key
        if key:
            args += ["--js-key", key]
        if keys:
            args += ["--keys", ",".join(keys)]
        if watch:
            args += ["--watch", ",".join(watch)]
        if count is not None:
            args += ["--count", str(count)]
        if master:
            args.append("--master")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
        if master:
            env["LQ_TAIL_MASTER_KEY"] = server.master_key
        if session_token is not None:
            env["LQ_TAIL_SESSION_TOKEN"] = session_token
        self._process = subprocess.Popen(
            args,
            cwd=NODE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=child_preexec(),
        )
        self._buffer = b""
        self.records: list[Record] = []

    @property
    def returncode(self) -> int | None:
        return self._process.poll()

    def next_record(self, timeout: float = 10.0) -> Record:
        """The next NDJSON record; raises :class:`SdkTailError` after ``timeout`` seconds."""
        stdout = self._process.stdout
        assert stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SdkTailError(f"no record from sdk_tail.js within {timeout} s")
            readable, _, _ = select.select([stdout], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(stdout.fileno(), 65536)
            if not chunk:
                raise SdkTailError(
                    f"sdk_tail.js ended (status {self._process.wait()}): {self._stderr()}"
                )
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        record: Record = json.loads(line)
        self.records.append(record)
        return record

    def wait_for(self, kind: str, timeout: float = 10.0, **fields: Any) -> Record:
        """Skip records up to one of ``kind`` whose fields equal ``fields`` (``op="create"``)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SdkTailError(f"no {kind} record with {fields} within {timeout} s")
            record = self.next_record(remaining)
            if record.get("kind") == kind and all(record.get(k) == v for k, v in fields.items()):
                return record

    def wait_subscribed(self, timeout: float = 15.0) -> None:
        """Block until the SDK's subscribe was accepted; a subscribe error raises."""
        record = self.next_record(timeout)
        if record != {"kind": "status", "state": "subscribed"}:
            raise SdkTailError(f"expected the subscribed status, got {record}")

    def next_event(self, timeout: float = 10.0) -> Record:
        return self.wait_for("event", timeout)

    def _stderr(self) -> str:
        stderr = self._process.stderr
        if stderr is None or self._process.poll() is None:
            return ""
        return stderr.read().decode(errors="replace")[-2000:]

    def close(self, timeout: float = 5.0) -> int:
        """SIGTERM (the SDK closes its socket), SIGKILL if it lingers; returns the exit status."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=timeout)
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()
        return self._process.returncode

    def __enter__(self) -> SdkTail:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
