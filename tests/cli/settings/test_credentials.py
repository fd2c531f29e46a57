"""The credentials file: one token per profile, private from birth, rewritten atomically."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from livequery_cli.cli.settings.credentials import (
    StoredSession,
    credentials_path,
    delete_session_token,
    load_credentials,
    load_session_token,
    save_session_token,
)
from livequery_cli.exceptions import ConfigError


def _env(config_dir: Path) -> dict[str, str]:
    return {"LQ_CONFIG_DIR": str(config_dir)}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip_per_profile(tmp_path: Path) -> None:
    env = _env(tmp_path / "lq")
    assert load_session_token(env, "default") is None
    save_session_token(env, "default", "r:token-a", "alice")
    save_session_token(env, "staging", "r:token-b", "bob")
    assert load_session_token(env, "default") == "r:token-a"
    assert load_credentials(env, "staging") == StoredSession("bob", "r:token-b")
    save_session_token(env, "default", "r:token-c", "carol")
    assert load_credentials(env, "default") == StoredSession("carol", "r:token-c")
    assert load_session_token(env, "staging") == "r:token-b"


def test_file_is_0600_even_with_a_permissive_umask(tmp_path: Path) -> None:
    env = _env(tmp_path / "lq")
    old = os.umask(0)
    try:
        save_session_token(env, "default", "r:secret", "alice")
        save_session_token(env, "other", "r:secret2", "bob")
    finally:
        os.umask(old)
    path = credentials_path(env)
    assert path == tmp_path / "lq" / "credentials.toml"
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["credentials.toml"]  # no temp left


def test_rewrite_replaces_the_file_instead_of_editing_it(tmp_path: Path) -> None:
    env = _env(tmp_path)
    save_session_token(env, "default", "r:one", "alice")
    before = credentials_path(env).stat().st_ino
    save_session_token(env, "default", "r:two", "alice")
    assert credentials_path(env).stat().st_ino != before
    assert _mode(credentials_path(env)) == 0o600


def test_a_file_made_readable_by_others_is_private_again_after_a_save(tmp_path: Path) -> None:
    env = _env(tmp_path)
    save_session_token(env, "default", "r:one", "alice")
    credentials_path(env).chmod(0o644)
    save_session_token(env, "default", "r:two", "alice")
    assert _mode(credentials_path(env)) == 0o600


def test_delete_keeps_other_profiles_and_removes_an_empty_file(tmp_path: Path) -> None:
    env = _env(tmp_path)
    save_session_token(env, "a", "r:1", "alice")
    save_session_token(env, "b", "r:2", "bob")
    assert delete_session_token(env, "a") is True
    assert delete_session_token(env, "a") is False
    assert load_session_token(env, "a") is None
    assert load_session_token(env, "b") == "r:2"
    assert delete_session_token(env, "b") is True
    assert not credentials_path(env).exists()


@pytest.mark.parametrize(
    "name", ['we"ird', "back\\slash", "tab\there", "ünïcødé 🐍", "del\x7f", "a.b", ""]
)
def test_awkward_profile_and_user_names_survive(tmp_path: Path, name: str) -> None:
    env = _env(tmp_path)
    save_session_token(env, name, "r:tok", name)
    assert load_credentials(env, name) == StoredSession(name, "r:tok")


def test_token_is_not_in_the_repr() -> None:
    assert "r:secret" not in repr(StoredSession("alice", "r:secret"))


def test_a_corrupt_file_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    env = _env(tmp_path)
    credentials_path(env).write_text("[profiles\nnot toml")
    with pytest.raises(ConfigError, match=r"credentials\.toml"):
        load_session_token(env, "default")


def test_xdg_config_home_is_used_without_lq_config_dir(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    save_session_token(env, "default", "r:tok", "alice")
    assert (tmp_path / "xdg" / "lq" / "credentials.toml").exists()
