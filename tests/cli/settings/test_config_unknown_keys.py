"""A typo in one profile fails only the commands that use that profile, and says where.

Before, one unknown key anywhere in ``config.toml`` made every command fail,
with the list of all known keys instead of the one that was meant.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from support.cli_run import lq

from livequery_cli.cli.settings.key_report import key_line, suggestion
from livequery_cli.cli.settings.profiles import PROFILE_KEYS, load_config_file, resolve
from livequery_cli.exceptions import ConfigError

CONFIG = """\
[profiles.default]
server_url = "http://localhost:1337/parse"
app_id = "app"

[profiles.staging]
app_id = "staging"
appid = "x"
colour = "never"
"""


def _write(directory: Path, text: str) -> Path:
    path = directory / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_unknown_key_in_another_profile_only_warns_with_file_line_and_suggestion(
    isolated_config: Path,
) -> None:
    path = _write(isolated_config, CONFIG)
    result = lq("config", "show")
    assert result.status == 0
    assert result.stderr.splitlines() == [
        f"lq: warning: {path}:7: unknown key 'appid' in profiles.staging; did you mean 'app_id'?",
        f"lq: warning: {path}:8: unknown key 'colour' in profiles.staging; did you mean 'color'?",
    ]
    assert "app " in result.stdout or "app\n" in result.stdout


def test_unknown_key_in_the_profile_in_use_fails_with_file_line_and_suggestion(
    isolated_config: Path,
) -> None:
    path = _write(isolated_config, CONFIG)
    result = lq("config", "show", "--profile", "staging")
    assert result.status == 2
    assert result.stderr.count("\n") == 1
    assert (
        f"{path}:7: unknown key 'appid' in profiles.staging; did you mean 'app_id'? (and 1 more)"
        in result.stderr
    )


def test_resolve_keeps_the_good_keys_of_a_profile_with_problems(isolated_config: Path) -> None:
    path = _write(isolated_config, CONFIG)
    loaded = load_config_file(path)
    assert loaded is not None
    assert loaded.profiles["staging"] == {"app_id": "staging"}
    assert len(loaded.problems["staging"]) == 2
    env = {"LQ_CONFIG_DIR": str(isolated_config)}
    assert resolve(flags={}, env=env, stdin=io.StringIO()).get("app_id") == "app"
    with pytest.raises(ConfigError, match="appid"):
        resolve(flags={}, env=env, stdin=io.StringIO(), profile_flag="staging")


def test_output_settings_are_profile_keys() -> None:
    assert {"output", "color", "show", "timestamps", "max_backoff"} <= PROFILE_KEYS


def test_key_line_and_suggestion() -> None:
    text = '[profiles.a]\nx = 1\n[other]\ny = 2\n[profiles."b"]\n  y = 3\n'
    assert key_line(text, "a", "x") == 2
    assert key_line(text, "a", "y") is None
    assert key_line(text, "b", "y") == 6
    assert suggestion("sever_url", PROFILE_KEYS) == "; did you mean 'server_url'?"
    assert suggestion("zzzzzz", PROFILE_KEYS) == ""


def test_a_wrong_type_is_also_reported_only_for_its_profile(isolated_config: Path) -> None:
    path = _write(isolated_config, '[profiles.default]\napp_id = "a"\n[profiles.x]\napp_id = 3\n')
    assert lq("config", "show").status == 0
    result = lq("config", "show", "--profile", "x")
    assert result.status == 2
    assert f"{path}:4: profiles.x.app_id must be a string" in result.stderr


def test_config_show_lists_output_settings_that_are_set(isolated_config: Path) -> None:
    _write(isolated_config, '[profiles.default]\napp_id = "a"\nshow = "player"\n')
    result = lq("config", "show", env={"LQ_TIMESTAMPS": "utc"})
    assert result.status == 0
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert rows["show"].split()[1] == "player"
    assert "(profile 'default'" in rows["show"]
    assert rows["timestamps"].endswith("(env LQ_TIMESTAMPS)")
    assert "max_backoff" not in rows  # unset: lq tail's default applies
