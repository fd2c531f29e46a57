"""What a result was measured on: CPU, core count, load, tool versions, date."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from importlib import metadata
from typing import Any

from bench.catalog import NODE_PREFIX


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    text = (done.stdout or done.stderr).decode(errors="replace").strip()
    return text.splitlines()[0] if text and done.returncode == 0 else "unavailable"


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _node_package_version(name: str) -> str:
    import json

    try:
        with open(NODE_PREFIX / "node_modules" / name / "package.json") as f:
            return str(json.load(f)["version"])
    except (OSError, ValueError, KeyError):
        return "not installed"


def describe() -> dict[str, Any]:
    return {
        "date_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "kernel": platform.release(),
        "loadavg_at_start": os.getloadavg(),
        "python": sys.version.split()[0],
        "node": _version(["node", "--version"]),
        "versions": {
            "livequery-cli": _package_version("livequery-cli"),
            "websockets": _package_version("websockets"),
            "orjson": _package_version("orjson"),
            "aiohttp": _package_version("aiohttp"),
            "parse (JS SDK)": _node_package_version("parse"),
            "parse-server": _node_package_version("parse-server"),
        },
    }
