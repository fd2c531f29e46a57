"""``lq tail --ca-file`` / ``--insecure``: bad input exits 2 before connecting; one warning."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from support.cli_run import lq

from livequery_cli.cli.settings.profiles import resolve
from livequery_cli.cli.settings.tls import INSECURE_WARNING, tls_context

APP = {"LQ_APP_ID": "app"}
# Nothing listens on port 1: a connection attempt fails at once.
NOWHERE = ["--live-query-url", "ws://127.0.0.1:1/parse", "--no-resync", "--max-retries", "0"]


def test_a_missing_ca_file_is_a_one_line_usage_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.pem"
    result = lq("tail", "Game", "--ca-file", str(missing), *NOWHERE, env=APP)
    assert result.status == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"cannot read CA file {missing} (from flag --ca-file)" in result.stderr


@pytest.mark.parametrize("content", ["not a certificate\n", ""])
def test_a_ca_file_without_a_certificate_is_a_usage_error(tmp_path: Path, content: str) -> None:
    bogus = tmp_path / "bogus.pem"
    bogus.write_text(content)
    result = lq("tail", "Game", *NOWHERE, env={**APP, "LQ_CA_FILE": str(bogus)})
    assert result.status == 2, result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "(from env LQ_CA_FILE)" in result.stderr


def test_a_directory_is_not_a_ca_file(tmp_path: Path) -> None:
    result = lq("tail", "Game", "--ca-file", str(tmp_path), *NOWHERE, env=APP)
    assert result.status == 2, result.stderr
    assert "is a directory" in result.stderr


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--insecure"], {}), ([], {"LQ_INSECURE": "1"})],
    ids=["flag", "env"],
)
def test_insecure_warns_exactly_once(args: list[str], env: dict[str, str]) -> None:
    result = lq("tail", "Game", *args, *NOWHERE, env={**APP, **env})
    assert result.status == 3, result.stderr
    lines = result.stderr.splitlines()
    assert lines.count(INSECURE_WARNING) == 1, result.stderr
    assert sum("verification" in line for line in lines) == 1, result.stderr


def test_insecure_needs_a_yes_or_no() -> None:
    result = lq("tail", "Game", *NOWHERE, env={**APP, "LQ_INSECURE": "maybe"})
    assert result.status == 2, result.stderr
    assert "insecure (from env LQ_INSECURE)" in result.stderr


def test_no_tls_flags_means_the_system_defaults(tmp_path: Path) -> None:
    result = lq("tail", "Game", *NOWHERE, env=APP)
    assert "verification" not in result.stderr
    settings = resolve(flags={}, env={"LQ_CONFIG_DIR": str(tmp_path)}, stdin=io.StringIO())
    assert tls_context(settings) == (None, False)


def test_the_profile_can_name_a_ca_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[profiles.default]\nca_file = "{tmp_path / "ca.pem"}"\n')
    result = lq("tail", "Game", *NOWHERE, env={**APP, "LQ_CONFIG": str(config)})
    assert result.status == 2, result.stderr
    assert "(from profile 'default'" in result.stderr
