"""Saying where a bad key in ``config.toml`` is, and what was probably meant.

``tomllib`` returns plain dicts with no positions, so the line of a key is
found again in the text: the last ``[profiles.NAME]`` header seen, then the
first ``key =`` line under it. That covers the files people write by hand;
when a key was written some other way (an inline table, a dotted key) the
report simply has no line number.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from pathlib import Path

__all__ = ["key_line", "suggestion", "unknown_key_message"]

_HEADER = re.compile(r"^\s*\[\s*profiles\s*\.\s*(?P<name>[^\]]+?)\s*\]\s*(#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")
_KEY = re.compile(r"^\s*(?P<key>[A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*=")


def suggestion(word: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest known word, or ``""``."""
    close = difflib.get_close_matches(word.lower(), sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def key_line(text: str, profile: str, key: str) -> int | None:
    """The 1-based line of ``key = ...`` inside ``[profiles.<profile>]``, when it can be found."""
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            inside = header.group("name").strip("\"'") == profile
            continue
        if _ANY_HEADER.match(line):
            inside = False
            continue
        match = _KEY.match(line) if inside else None
        if match and match.group("key").strip("\"'") == key:
            return number
    return None


def unknown_key_message(path: Path, text: str, profile: str, key: str, known: Iterable[str]) -> str:
    """``PATH:LINE: unknown key 'appid' in profiles.NAME; did you mean 'app_id'?``."""
    line = key_line(text, profile, key)
    where = f"{path}:{line}" if line is not None else str(path)
    return f"{where}: unknown key {key!r} in profiles.{profile}{suggestion(key, known)}"
