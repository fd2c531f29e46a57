"""What starting ``lq`` imports: the guard behind its start-up time.

Not a timing test (timings belong to bench/): it fails when a change makes a
fast path import a heavy module, which is what makes start-up slow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.lq_server import LqServer

HEAVY = ("rich", "pydantic", "aiohttp", "websockets", "asyncio")

PROBE = """
import sys
from livequery_cli.cli.main import run
from livequery_cli.cli.environment import Environment
env = Environment(env={"LQ_CONFIG_DIR": sys.argv[1]})
status = run(sys.argv[2:], env)
print(status, " ".join(sorted(name for name in sys.modules if name.split(".")[0] in {HEAVY})))
"""


def loaded_after(config_dir: str, *args: str) -> tuple[int, set[str]]:
    code = PROBE.replace("{HEAVY}", repr(set(HEAVY)))
    out = subprocess.run(
        [sys.executable, "-c", code, config_dir, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    return int(out[0]), {name.split(".")[0] for name in out[1:]}


def test_version_imports_neither_typer_nor_anything_heavy(tmp_path: object) -> None:
    code = (
        "import sys; from livequery_cli.cli.main import run; "
        "from livequery_cli.cli.environment import Environment; run(['--version'], Environment()); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click', 'typing')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("tail", "--help"),
        ("config", "show"),
        ("explain", "--where", "score gt 100"),
        ("tail", "Game", "--where", "score >"),
    ],
)
def test_commands_that_do_not_connect_stay_light(tmp_path: object, args: tuple[str, ...]) -> None:
    status, heavy = loaded_after(str(tmp_path), *args)
    assert status in (0, 2)
    assert heavy == set()


# Runs ``lq`` and, when the first ``subscribe`` frame is handed to the socket, writes
# what is imported by then (and how many TLS contexts were made) to argv[1], then
# stops the tail with SIGINT as a user would. The socket's ``send`` is the hook: it
# is the transport every ``lq tail`` uses (``livequery_cli.client.transports.interface``).
TAIL_PROBE = r"""
import json, os, signal, ssl, sys

snapshot_path = sys.argv[1]
contexts = []
_new_context = ssl.SSLContext.__new__


def _counting_new(cls, *args, **kwargs):
    contexts.append(cls.__name__)
    return _new_context(cls, *args, **kwargs)


ssl.SSLContext.__new__ = staticmethod(_counting_new)

from livequery_cli.client.transports.websocket import WebSocketConnection

_send = WebSocketConnection.send


async def send(self, message):
    if '"op":"subscribe"' in message.replace(" ", "") and not os.path.exists(snapshot_path):
        with open(snapshot_path, "w") as out:
            json.dump({"modules": sorted(sys.modules), "tls_contexts": len(contexts)}, out)
        os.kill(os.getpid(), signal.SIGINT)
    await _send(self, message)


WebSocketConnection.send = send
from livequery_cli.cli.main import main

main(sys.argv[2:])
"""

# What must wait until the subscription is on the wire: the REST stack (aiohttp and
# what it brings, our REST client and the sync package built on it), Rich, Pydantic;
# and, for a query without conditions (``lq tail Game``), the matcher.
NOT_BEFORE_SUBSCRIBE = (
    "aiohttp",
    "yarl",
    "multidict",
    "rich",
    "pydantic",
    "livequery_cli.client.rest",
    "livequery_cli.synced",
    "livequery_cli.matching",  # nothing to validate in an empty where
)

# The parts of ``livequery_cli.synced`` that drive or build on the REST client.
SYNC_ON_THE_REST_STACK = (
    "livequery_cli.synced.api",
    "livequery_cli.synced.binding",
    "livequery_cli.synced.engine",
    "livequery_cli.synced.synced",
)


def imported_at_subscribe(tmp_path: Path, server: LqServer, *args: str) -> dict[str, object]:
    snapshot = tmp_path / "at-subscribe.json"
    argv = [
        "tail", "Game", "--server-url", server.rest_url, "--live-query-url", server.ws_url,
        "--app-id", server.app_id, "--js-key", server.js_key, "--json", "-q", "--timeout", "30s",
        *args,
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", TAIL_PROBE, str(snapshot), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LQ_CONFIG_DIR": str(tmp_path)},
    )
    assert snapshot.exists(), f"no subscribe was sent (exit {done.returncode}): {done.stderr}"
    assert done.returncode == 130, done.stderr
    loaded: dict[str, object] = json.loads(snapshot.read_text())
    return loaded


@pytest.mark.parametrize(
    "args",
    [
        (),  # the REST URL is known, so resync is on: its start-version read runs first
        ("--no-resync",),
        ("--snapshot",),
        ("--session-token", "r:not-a-real-token"),
        ("--since", "10m"),
    ],
    ids=["resync", "no-resync", "snapshot", "session-token", "since"],
)
def test_tail_sends_subscribe_before_importing_the_rest_stack(
    tmp_path: Path, lq_server: LqServer, args: tuple[str, ...]
) -> None:
    loaded = imported_at_subscribe(tmp_path, lq_server, *args)
    modules = loaded["modules"]
    assert isinstance(modules, list)
    heavy_modules = NOT_BEFORE_SUBSCRIBE
    if "--since" in args:
        # ``--since`` is read with ``livequery_cli.synced.fetch.parse_since``: that module
        # (and the package's light ones it needs) may load, the REST side may not.
        heavy_modules = (
            *(name for name in NOT_BEFORE_SUBSCRIBE if name != "livequery_cli.synced"),
            *SYNC_ON_THE_REST_STACK,
        )
        assert "livequery_cli.synced.fetch" in modules
    early = sorted(
        name
        for name in modules
        if any(name == heavy or name.startswith(heavy + ".") for heavy in heavy_modules)
    )
    assert early == []
    # ``ssl`` itself comes with asyncio; a context (the trust store loaded) is what costs.
    assert loaded["tls_contexts"] == 0
