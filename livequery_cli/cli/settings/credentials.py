"""Session tokens saved by ``lq login``, one per profile, in ``credentials.toml``.

Tokens live apart from ``config.toml`` because the config file is meant to be
shared (dotfiles, a team repo) while a session token is a password
equivalent. The file is only ever written whole: a private temporary file in
the same directory (mode 0600 from birth, whatever the umask) is filled,
flushed to disk and renamed over the old one, so a crash leaves either the old
or the new file, and at no moment is a token readable by others.

Format::

    [profiles.default]
    session_token = "r:..."
    username = "alice"
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from livequery_cli.cli.settings.locations import config_dir
from livequery_cli.exceptions import ConfigError

__all__ = [
    "CREDENTIALS_FILE",
    "StoredSession",
    "credentials_path",
    "delete_session_token",
    "load_credentials",
    "load_session_token",
    "save_session_token",
]

CREDENTIALS_FILE = "credentials.toml"


@dataclass(frozen=True)
class StoredSession:
    """What ``lq login`` saved for one profile (the token is kept out of ``repr``)."""

    username: str
    session_token: str = field(repr=False)


def credentials_path(env: Mapping[str, str]) -> Path:
    return config_dir(env) / CREDENTIALS_FILE


def load_credentials(env: Mapping[str, str], profile: str) -> StoredSession | None:
    """The saved session of ``profile``, or None when it has none."""
    entry = _read(credentials_path(env)).get(profile)
    if not isinstance(entry, dict):
        return None
    token = entry.get("session_token")
    if not isinstance(token, str) or not token:
        return None
    username = entry.get("username")
    return StoredSession(username if isinstance(username, str) else "", token)


def load_session_token(env: Mapping[str, str], profile: str) -> str | None:
    saved = load_credentials(env, profile)
    return saved.session_token if saved else None


def save_session_token(env: Mapping[str, str], profile: str, token: str, username: str) -> None:
    """Store ``token`` for ``profile``, replacing any previous one; other profiles are kept."""
    path = credentials_path(env)
    profiles = _read(path)
    profiles[profile] = {"session_token": token, "username": username}
    _write(path, profiles)


def delete_session_token(env: Mapping[str, str], profile: str) -> bool:
    """Forget ``profile``'s token; True when there was one. The file goes when it empties."""
    path = credentials_path(env)
    profiles = _read(path)
    if profiles.pop(profile, None) is None:
        return False
    if profiles:
        _write(path, profiles)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return True


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a valid credentials file ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc})") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConfigError(f"{path}: `profiles` must be a table")
    return profiles


def _write(path: Path, profiles: Mapping[str, Any]) -> None:
    text = _render(profiles)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp opens with O_EXCL and mode 0600: private before a byte is written.
        fd, tmp_name = tempfile.mkstemp(prefix=".credentials-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise ConfigError(
            f"{path.parent}: cannot write credentials ({exc.strerror or exc})"
        ) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), stat.S_IRUSR | stat.S_IWUSR)
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise ConfigError(f"{path}: cannot write credentials ({exc.strerror or exc})") from None


def _render(profiles: Mapping[str, Any]) -> str:
    lines = ["# Session tokens saved by `lq login`. Keep this file private (mode 0600).", ""]
    for name in sorted(profiles):
        entry = profiles[name]
        if not isinstance(entry, dict):
            continue
        lines.append(f"[profiles.{_toml_string(name)}]")
        for key in ("session_token", "username"):
            value = entry.get(key)
            if isinstance(value, str):
                lines.append(f"{key} = {_toml_string(value)}")
        lines.append("")
    return "\n".join(lines)


def _toml_string(value: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that DEL must be escaped too."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
