"""A real HTTP proxy process for the tests: ``pproxy`` on a free loopback port.

``HttpProxy`` starts it with a user name and password, reads the port it
bound from its first line, and counts the tunnels it opened from its verbose
log, so a test can tell that traffic really went through it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

from support.waiting import Deadline, until

USER = "proxyuser"
PASSWORD = "proxy-secret-never-shown"
_SERVING = re.compile(r"Serving on .*?:(\d+)")
_TUNNEL = re.compile(r"^http \S+ -> (\S+)$")


class HttpProxy:
    """``pproxy -l http://127.0.0.1:0#user:password -v``, stopped by ``close()``."""

    def __init__(self, *, auth: bool = True) -> None:
        binary = shutil.which("pproxy", path=str(Path(sys.executable).parent))
        if binary is None:
            raise RuntimeError("pproxy is not installed (it is in the dev dependencies)")
        listen = f"http://127.0.0.1:0#{USER}:{PASSWORD}" if auth else "http://127.0.0.1:0"
        self._process = subprocess.Popen(
            [binary, "-l", listen, "-v"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._port: int | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = Deadline(15.0)
        while self._port is None:
            if self._process.poll() is not None:
                raise RuntimeError(f"pproxy exited: {self.lines}")
            self._reader.join(min(0.05, deadline.remaining("pproxy to listen")))
        self.auth = auth

    def _read(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            line = line.strip()
            self.lines.append(line)
            match = _SERVING.search(line)
            if match and self._port is None:
                self._port = int(match.group(1))

    @property
    def url(self) -> str:
        """The proxy URL with its credentials (what a user puts in HTTPS_PROXY)."""
        credentials = f"{USER}:{PASSWORD}@" if self.auth else ""
        return f"http://{credentials}127.0.0.1:{self._port}"

    def tunnels_to(self, port: int) -> int:
        """How many connections the proxy opened to ``127.0.0.1:port``."""
        return sum(
            1
            for line in self.lines
            if (m := _TUNNEL.match(line)) and m.group(1).endswith(f":{port}")
        )

    def wait_for_tunnel(self, port: int, timeout: float = 10.0) -> None:
        until(lambda: self.tunnels_to(port) > 0, timeout=timeout, what=f"a tunnel to :{port}")

    def close(self) -> None:
        self._process.terminate()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(5)
        self._reader.join(5)
        if self._process.stdout is not None:
            self._process.stdout.close()
