"""Fixtures shared by the whole suite.

Every test runs with its own empty config directory (``LQ_CONFIG_DIR``), so a
developer's real profiles and credentials can neither leak into a test nor be
overwritten by one. Secret-bearing ``LQ_*`` variables from the developer's
shell are removed for the same reason.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import pytest
from hypothesis import settings

# The unit lane (`bash tests/run --unit`) trades examples for speed; the full run
# keeps Hypothesis' defaults (and each test's own @settings).
settings.register_profile("unit", max_examples=25)
if os.environ.get("LQ_TEST_LANE") == "unit":
    settings.load_profile("unit")


@pytest.fixture(autouse=True)
def isolated_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    config_dir = tmp_path_factory.mktemp("lq-config")
    monkeypatch.setenv("LQ_CONFIG_DIR", str(config_dir))
    monkeypatch.delenv("LQ_CONFIG", raising=False)
    for name in (
        "LQ_SERVER_URL",
        "LQ_LIVE_QUERY_URL",
        "LQ_APP_ID",
        "LQ_JS_KEY",
        "LQ_MASTER_KEY",
        "LQ_SESSION_TOKEN",
        "LQ_PROFILE",
        "LQ_OUTPUT",
        "LQ_COLOR",
        "LQ_SHOW",
        "LQ_TIMESTAMPS",
        "LQ_MAX_BACKOFF",
        "NO_COLOR",
        "FORCE_COLOR",
        "LQ_PROXY",
        *(f"{name}_PROXY" for name in ("HTTP", "HTTPS", "ALL", "NO")),
        *(f"{name}_proxy" for name in ("http", "https", "all", "no")),
    ):
        monkeypatch.delenv(name, raising=False)
    return config_dir


# The Parse Server test rig (PostgreSQL + Parse Server 9 + the JS SDK) and the
# embedded-server handle: fixtures `postgres`, `parse_server`,
# `parse_server_factory`, `unique_tag`, `lq_server`.
from support.certificates import certificate  # noqa: E402, F401
from support.fixtures import *  # noqa: E402, F403

# Fixtures that start a server process (or a whole rig): a test that uses one is an
# integration test, left out of the fast unit lane (`bash tests/run --unit`).
_SERVER_FIXTURES = frozenset(
    {
        "lq_server",
        "lq_server_factory",
        "parse_server",
        "parse_server_factory",
        "postgres",
        "redis_server",
        "sdk_tail",
        "server",
    }
)
# Folders whose tests exercise whole processes by design.
_INTEGRATION_FOLDERS = frozenset({"bench", "faults", "support_selftest"})
# Single modules that run whole processes without a server fixture.
_INTEGRATION_MODULES = frozenset(
    {"test_demo.py", "test_serve_process.py", "test_startup_imports.py"}
)
# A module that starts processes (lq itself, shells, node, mypy): integration too.
_STARTS_PROCESSES = re.compile(r"^\s*(?:import (?:subprocess|pty)\b|from subprocess\b)", re.M)


@functools.cache
def _starts_processes(path: Path) -> bool:
    return bool(_STARTS_PROCESSES.search(path.read_text("utf-8")))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    tests_root = Path(__file__).parent
    for item in items:
        folder = item.path.relative_to(tests_root).parts[0]
        fixtures = set(getattr(item, "fixturenames", ()))
        if (
            folder in _INTEGRATION_FOLDERS
            or item.path.name in _INTEGRATION_MODULES
            or fixtures & _SERVER_FIXTURES
            or _starts_processes(item.path)
        ):
            item.add_marker(pytest.mark.integration)
