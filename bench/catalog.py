"""The consumers the client benchmarks compare, and how to start each one.

Every consumer is started the same way: an argv built from the firehose's
WebSocket URL and the number of events to take, after which it must exit on
its own. A consumer whose program is missing (no Node install, `lq` not
installed or not working yet) reports why instead of failing the whole run.
"""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SDK_CONSUMER = REPO / "bench" / "node" / "sdk_consumer.js"
NODE_PREFIX = Path(os.environ.get("BENCH_NODE_PREFIX", REPO / "tests" / "node"))
APP_ID = "bench"
CLASS_NAME = "GameScore"

Argv = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class Consumer:
    key: str
    label: str
    argv: Argv
    check: Callable[[], str | None]  # None when runnable, else why not
    prints_seq: bool = True  # its lines carry benchSeq/benchSentNs (a pipe reader can check them)


def http_url(ws_url: str) -> str:
    return "http" + ws_url.removeprefix("ws")


def lq_binary() -> str:
    return str(BIN / "lq")


@cache
def compile_sources() -> None:
    """Byte-compile ``livequery_cli`` and ``bench`` once, as installing a package does.

    A consumer started without ``.pyc`` files recompiles every module it
    imports (~150 ms for ``lq tail``): that is a checkout's cost, not what a
    user of an installed ``lq`` waits for, so it is not measured.
    """
    for package in ("livequery_cli", "bench"):
        compileall.compile_dir(REPO / package, quiet=1)


def lq_env(config_dir: str) -> dict[str, str]:
    """A clean environment: no developer profile, no LQ_* settings, no color hints.

    Nor ``PYTHONDONTWRITEBYTECODE``: consumers load the byte-compiled sources
    (``compile_sources``, done here before the first consumer starts).
    """
    compile_sources()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    for name in ("NO_COLOR", "FORCE_COLOR", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    env["LQ_CONFIG_DIR"] = config_dir
    env["TERM"] = "xterm-256color"
    return env


def _python_module(module: str) -> Argv:
    return lambda url, n: [sys.executable, "-m", module, url, str(n)]


def _lq_tail(*extra: str) -> Argv:
    def argv(url: str, n: int) -> list[str]:
        return [
            lq_binary(),
            "tail",
            CLASS_NAME,
            "--server-url",
            http_url(url),
            "--live-query-url",
            url,
            "--app-id",
            APP_ID,
            "--count",
            str(n),
            "-q",
            *extra,
        ]

    return argv


def _always() -> str | None:
    return None


@cache
def check_node() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (NODE_PREFIX / "node_modules" / "parse" / "package.json").exists():
        return f"the Parse JS SDK is not installed (npm ci --prefix {NODE_PREFIX})"
    return None


@cache
def check_lq() -> str | None:
    binary = lq_binary()
    if not os.path.exists(binary):
        return f"{binary} is missing (pip install -e .)"
    try:
        done = subprocess.run(
            [binary, "tail", "--help"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"lq tail --help failed: {exc}"
    if done.returncode != 0:
        last = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()
        return "lq tail --help failed: " + (last[-1] if last else f"exit {done.returncode}")
    return None


@cache
def check_library() -> str | None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from livequery_cli.client import LiveQueryClient",
        ],
        capture_output=True,
        timeout=30,
        check=False,
        cwd=REPO,
    )
    if done.returncode != 0:
        last = done.stderr.decode(errors="replace").strip().splitlines()
        return "livequery_cli.client is not importable: " + (last[-1] if last else "?")
    return None


def sdk_argv(url: str, n: int) -> list[str]:
    return ["node", str(SDK_CONSUMER), url, str(n)]


DRAIN = Consumer(
    "drain",
    "firehose ceiling (raw socket, no decoding)",
    _python_module("bench.consumers.drain"),
    _always,
    prints_seq=False,
)
WS_RECV = Consumer(
    "ws_recv",
    "Python websockets, receive only (no decoding, no output)",
    _python_module("bench.consumers.ws_recv"),
    _always,
    prints_seq=False,
)
RAW_JSON = Consumer(
    "raw_json",
    "Python websockets + json (flushed print)",
    _python_module("bench.consumers.raw_json"),
    _always,
)
RAW_ORJSON = Consumer(
    "raw_orjson",
    "Python websockets + orjson (batched writes)",
    _python_module("bench.consumers.raw_orjson"),
    _always,
)
SDK = Consumer("sdk", "Parse JS SDK 8.6.2 LiveQueryClient (node)", sdk_argv, check_node)
LQ_JSON = Consumer("lq_json", "lq tail --json", _lq_tail("--json"), check_lq)
LQ_PRETTY = Consumer(
    "lq_pretty",
    "lq tail (pretty, --color always)",
    _lq_tail("--color", "always"),
    check_lq,
    prints_seq=False,
)
LIBRARY = Consumer(
    "library",
    "lq library (async for ev in sub)",
    _python_module("bench.consumers.library"),
    check_library,
)

ALL = {c.key: c for c in (DRAIN, WS_RECV, RAW_JSON, RAW_ORJSON, SDK, LQ_JSON, LQ_PRETTY, LIBRARY)}
