"""``lq serve --parse-server``'s flags: clear one-line usage errors, no master key in argv."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # starts `lq serve` processes
MASTER_KEY = "mk-never-shown-3f9a"


def _serve(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "livequery_cli", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--parse-server", "http://127.0.0.1:9/parse", "--redis-url", "redis://127.0.0.1:9"],
            {},
            "needs the Parse Server's master key",
        ),
        (
            ["--parse-server", "http://127.0.0.1:9/parse"],
            {"LQ_MASTER_KEY": MASTER_KEY},
            "needs --redis-url",
        ),
        (
            ["--parse-server", "ftp://x", "--redis-url", "redis://127.0.0.1:9"],
            {"LQ_MASTER_KEY": MASTER_KEY},
            "http(s)://",
        ),
        (
            ["--parse-server", "http://127.0.0.1:9/parse", "--redis-url", "http://x"],
            {"LQ_MASTER_KEY": MASTER_KEY},
            "redis://",
        ),
        (
            [
                "--parse-server", "http://127.0.0.1:9/parse", "--redis-url", "redis://x",
                "--master-key", MASTER_KEY,
            ],
            {},
            "does not take --master-key",
        ),
        (
            [
                "--parse-server", "http://127.0.0.1:9/parse", "--redis-url", "redis://x",
                "--cache-timeout", "0",
            ],
            {"LQ_MASTER_KEY": MASTER_KEY},
            "--cache-timeout must be positive",
        ),
    ],
)  # fmt: skip
def test_usage_errors(args: list[str], env: dict[str, str], message: str, tmp_path: Path) -> None:
    result = _serve(*args, env={"LQ_CONFIG_DIR": str(tmp_path), **env})
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert MASTER_KEY not in result.stderr + result.stdout


def test_master_key_file_is_accepted_and_a_bad_one_is_a_usage_error(tmp_path: Path) -> None:
    result = _serve(
        "--parse-server", "http://127.0.0.1:9/parse", "--redis-url", "redis://127.0.0.1:9",
        "--master-key-file", str(tmp_path / "missing"),
        env={"LQ_CONFIG_DIR": str(tmp_path)},
    )  # fmt: skip
    assert result.returncode == 2
    assert "cannot read the master key file" in result.stderr
