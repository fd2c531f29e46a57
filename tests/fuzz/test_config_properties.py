"""The config loader: any file content gives a ``ConfigFile`` or a one-line ``ConfigError``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from livequery_cli.cli.settings.profiles import PROFILE_KEYS, load_config_file
from livequery_cli.exceptions import ConfigError

SECRET = "MK-do-not-print-me"

toml_values = st.one_of(
    st.text(max_size=20).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.integers().map(str),
    st.sampled_from(["true", "[1, 2]", "{a = 1}", "1979-05-27", '"""x"""', "'lit'", "nan"]),
)
lines = st.one_of(
    st.builds(lambda name: f"[profiles.{name}]", st.text(min_size=1, max_size=8)),
    st.sampled_from(["[profiles]", "[other]", "[[profiles.x]]", "profiles = 3"]),
    st.builds(
        lambda key, value: f"{key} = {value}",
        st.one_of(st.sampled_from(sorted(PROFILE_KEYS)), st.text(min_size=1, max_size=8)),
        toml_values,
    ),
    st.text(max_size=30),
)


def _load(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "config.toml"
        path.write_bytes(content)
        try:
            loaded = load_config_file(path)
        except ConfigError as error:
            message = str(error)
            assert "\n" not in message, message
            assert SECRET not in message, "a config error echoed a secret value"
            return
        assert loaded is not None
        for profile in loaded.profiles.values():
            assert all(key in PROFILE_KEYS for key in profile)
            assert all(isinstance(value, str) for value in profile.values())


@settings(max_examples=300, deadline=None)
@given(st.lists(lines, max_size=8))
def test_toml_like_files_load_or_raise_config_error(body: list[str]) -> None:
    _load(("\n".join(body) + f'\nmaster_key = "{SECRET}"\n').encode())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_load_or_raise_config_error(content: bytes) -> None:
    _load(content)


def test_a_secret_in_a_bad_file_is_not_echoed() -> None:
    _load(f'[profiles.default]\nmaster_key = "{SECRET}\n'.encode())
    _load(f'[profiles.default]\nmaster_kee = "{SECRET}"\n'.encode())
    _load(f'[profiles.default]\nmaster_key = ["{SECRET}"]\n'.encode())
