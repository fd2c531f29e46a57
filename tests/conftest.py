"""Fixtures shared by the whole suite.

Every test runs with its own empty config directory (``LQ_CONFIG_DIR``), so a
developer's real profiles and credentials can neither leak into a test nor be
overwritten by one. Secret-bearing ``LQ_*`` variables from the developer's
shell are removed for the same reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest


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
        "NO_COLOR",
        "FORCE_COLOR",
    ):
        monkeypatch.delenv(name, raising=False)
    return config_dir


# The Parse Server test rig (PostgreSQL + Parse Server 9 + the JS SDK) and the
# embedded-server handle: fixtures `postgres`, `parse_server`,
# `parse_server_factory`, `unique_tag`, `lq_server`.
from rig.fixtures import *  # noqa: E402, F403
