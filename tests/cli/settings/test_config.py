"""Configuration: file location, precedence (flag > env > profile > default), secrets, errors."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from support.cli_run import lq

from livequery_cli.cli.settings.credentials import save_session_token
from livequery_cli.cli.settings.locations import config_dir, config_path
from livequery_cli.cli.settings.profiles import mask, resolve
from livequery_cli.exceptions import ConfigError

PROFILES = """
[profiles.default]
server_url = "http://profile-host:1337/parse"
app_id = "profile-app"

[profiles.prod]
server_url = "https://prod.example/parse"
app_id = "prod-app"
master_key = "prod-master-secret"
"""


def write_config(config: Path, text: str, mode: int = 0o600) -> Path:
    path = config / "config.toml"
    path.write_text(text)
    path.chmod(mode)
    return path


def test_config_dir_rules() -> None:
    assert config_dir({"LQ_CONFIG_DIR": "/a"}) == Path("/a")
    assert config_dir({"XDG_CONFIG_HOME": "/x", "HOME": "/h"}) == Path("/x/lq")
    assert config_dir({"HOME": "/h"}) == Path("/h/.config/lq")
    assert config_path({"LQ_CONFIG": "/c.toml", "LQ_CONFIG_DIR": "/a"}) == Path("/c.toml")
    assert config_path({"LQ_CONFIG_DIR": "/a"}) == Path("/a/config.toml")


def test_precedence_flag_over_env_over_profile_over_default(isolated_config: Path) -> None:
    write_config(isolated_config, PROFILES)
    env = {"LQ_CONFIG_DIR": str(isolated_config), "LQ_APP_ID": "env-app"}
    settings = resolve(flags={"js_key": "flag-js", "app_id": None}, env=env, stdin=io.StringIO())
    assert settings.values["js_key"].value == "flag-js"
    assert settings.values["js_key"].source == "flag --js-key"
    assert settings.values["app_id"].value == "env-app"
    assert settings.values["app_id"].source == "env LQ_APP_ID"
    assert settings.values["server_url"].value == "http://profile-host:1337/parse"
    assert settings.values["server_url"].source.startswith("profile 'default' (")
    assert settings.live_query_url == "ws://profile-host:1337/parse"
    no_file = resolve(flags={}, env={"LQ_CONFIG_DIR": "/nonexistent"}, stdin=io.StringIO())
    assert no_file.values["server_url"].source == "default"
    assert no_file.live_query_url == "ws://localhost:1337/parse"


def test_profile_from_env_and_flag(isolated_config: Path) -> None:
    write_config(isolated_config, PROFILES)
    env = {"LQ_CONFIG_DIR": str(isolated_config), "LQ_PROFILE": "prod"}
    assert resolve(flags={}, env=env, stdin=io.StringIO()).get("app_id") == "prod-app"
    by_flag = resolve(flags={}, env=env, stdin=io.StringIO(), profile_flag="default")
    assert by_flag.get("app_id") == "profile-app"


def test_session_token_from_lq_login_store_comes_after_env(isolated_config: Path) -> None:
    env = {"LQ_CONFIG_DIR": str(isolated_config)}
    save_session_token(env, "default", "r:stored", "alice")
    result = lq("config", "show", env=env)
    assert "session_token   ******** (set)" in result.stdout
    assert "(lq login (profile 'default'))" in result.stdout
    assert "r:stored" not in result.stdout + result.stderr
    with_env = lq("config", "show", env={**env, "LQ_SESSION_TOKEN": "r:env"})
    assert "(env LQ_SESSION_TOKEN)" in with_env.stdout


def test_secret_from_file_and_stdin(tmp_path: Path) -> None:
    secret = tmp_path / "mk"
    secret.write_text("file-master\n")
    env = {"LQ_CONFIG_DIR": str(tmp_path)}
    settings = resolve(flags={"master_key_file": str(secret)}, env=env, stdin=io.StringIO())
    assert settings.get("master_key") == "file-master"
    assert settings.values["master_key"].source == "flag --master-key-file"
    from_stdin = resolve(flags={"session_token_file": "-"}, env=env, stdin=io.StringIO("r:piped\n"))
    assert from_stdin.get("session_token") == "r:piped"
    with pytest.raises(ConfigError, match="only one secret can be read from stdin"):
        resolve(
            flags={"session_token_file": "-", "master_key_file": "-"},
            env=env,
            stdin=io.StringIO(),
        )
    with pytest.raises(ConfigError, match="is empty"):
        resolve(flags={"master_key_file": "-"}, env=env, stdin=io.StringIO(""))


def test_config_show_exact_output_with_masked_secret(isolated_config: Path) -> None:
    path = write_config(isolated_config, PROFILES)
    result = lq("config", "show", "--profile", "prod", "--js-key", "js1")
    assert result.status == 0
    assert result.stderr == ""
    assert result.stdout == (
        "profile         prod\n"
        f"config_file     {path}\n"
        f"server_url      https://prod.example/parse  (profile 'prod' ({path}))\n"
        "live_query_url  wss://prod.example/parse    (derived from server_url)\n"
        f"app_id          prod-app                    (profile 'prod' ({path}))\n"
        "js_key          js1                         (flag --js-key)\n"
        f"master_key      ******** (set)              (profile 'prod' ({path}))\n"
        "session_token   -                           (unset)\n"
        "ca_file         -                           (unset)\n"
        "insecure        -                           (unset)\n"
        "proxy           -                           (unset)\n"
    )
    assert "prod-master-secret" not in result.stdout


def test_warns_when_a_config_file_with_secrets_is_readable_by_others(
    isolated_config: Path,
) -> None:
    path = write_config(isolated_config, PROFILES, mode=0o644)
    result = lq("config", "show", "--profile", "prod")
    assert result.status == 0
    assert result.stderr == (
        f"lq: warning: {path} holds secrets and is readable by other users "
        f"(run: chmod 600 {path})\n"
    )
    assert lq("config", "show").stderr == ""  # the default profile holds no secret


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[profiles.default\n", "invalid TOML"),
        ("colour = 1\n", "unknown key 'colour' (expected [profiles.NAME] tables)"),
        ("[profiles.default]\nappid = 'x'\n", "unknown key 'appid' in profiles.default"),
        ("[profiles.default]\napp_id = 3\n", "profiles.default.app_id must be a string"),
    ],
)
def test_bad_config_file_is_a_one_line_usage_error(
    isolated_config: Path, text: str, message: str
) -> None:
    write_config(isolated_config, text)
    result = lq("config", "show")
    assert result.status == 2
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_lq_config_env_overrides_the_path(tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[profiles.default]\napp_id = "from-other"\n')
    result = lq("config", "show", env={"LQ_CONFIG": str(other)})
    assert "app_id          from-other" in result.stdout


def test_config_profiles_lists_names(isolated_config: Path) -> None:
    write_config(isolated_config, PROFILES)
    assert lq("config", "profiles").stdout == "default\nprod\n"
    assert lq("config", "path").stdout == f"{isolated_config / 'config.toml'}\n"


def test_mask() -> None:
    assert mask("master_key", "secret") == "******** (set)"
    assert mask("app_id", "a") == "a"
    assert mask("session_token", None) == "-"


def test_real_environment_is_untouched() -> None:
    assert "LQ_APP_ID" not in os.environ
