"""Where ``lq`` keeps its files: the config directory and the config file.

Both ``profiles`` (``config.toml``) and ``credentials`` (stored session
tokens) live in the same directory; the rule for finding it is here so that
neither has to import the other for it. Tests point ``LQ_CONFIG_DIR`` at a
temporary directory (an autouse fixture), so a developer's own files are
never read or written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

__all__ = ["config_dir", "config_path"]


def config_dir(env: Mapping[str, str]) -> Path:
    """``$LQ_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/lq``, else ``~/.config/lq``."""
    explicit = env.get("LQ_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    xdg = env.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "lq"
    home = env.get("HOME")
    return (Path(home) if home else Path.home()) / ".config" / "lq"


def config_path(env: Mapping[str, str]) -> Path:
    """``$LQ_CONFIG``, else ``config.toml`` in ``config_dir``."""
    explicit = env.get("LQ_CONFIG")
    return Path(explicit) if explicit else config_dir(env) / "config.toml"
