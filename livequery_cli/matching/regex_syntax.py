"""Rewriting a Parse ``$regex`` (PCRE / JavaScript syntax) into RE2 syntax.

Two passes over the pattern text, each linear:

- ``expand_quoting`` replaces ``\\Q...\\E`` spans (how the SDKs quote user
  text) by their escaped literal text, as PCRE reads them.
- ``to_re2`` rewrites the few escapes RE2 spells differently (JavaScript's
  ``\\uXXXX`` is ``\\x{XXXX}``; ``\\Z``, end of the string as Python read it
  before, is ``\\z``) and, for the ``x`` option, which RE2 does not have,
  drops what PCRE's extended mode ignores: whitespace outside character
  classes and ``#`` comments up to the end of the line. Escaped characters
  and the contents of classes are kept as they are.

Everything else is left to RE2, which refuses what it cannot parse.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["expand_quoting", "to_re2"]

# What PCRE's extended mode (and Python's re.VERBOSE) skips.
_EXTENDED_SPACE: Final = frozenset(" \t\n\r\v\f")
_HEX4: Final = re.compile(r"[0-9A-Fa-f]{4}")


def expand_quoting(pattern: str) -> str:
    """Replace every ``\\Q...\\E`` span by its literal, escaped text."""
    if "\\Q" not in pattern and "\\E" not in pattern:
        return pattern
    out: list[str] = []
    i = 0
    size = len(pattern)
    while i < size:
        char = pattern[i]
        if char != "\\" or i + 1 >= size:
            out.append(char)
            i += 1
            continue
        following = pattern[i + 1]
        if following == "Q":
            end = pattern.find("\\E", i + 2)
            if end < 0:
                out.append(re.escape(pattern[i + 2 :]))
                break
            out.append(re.escape(pattern[i + 2 : end]))
            i = end + 2
        elif following == "E":
            i += 2
        else:
            out.append(pattern[i : i + 2])
            i += 2
    return "".join(out)


def _escape(pattern: str, i: int) -> tuple[str, int]:
    """The RE2 spelling of the escape starting at ``pattern[i]`` (a backslash), and its end."""
    following = pattern[i + 1 : i + 2]
    if following == "u" and _HEX4.fullmatch(pattern, i + 2, i + 6):
        return "\\x{" + pattern[i + 2 : i + 6] + "}", i + 6
    if following == "Z":
        return "\\z", i + 2
    return pattern[i : i + 2], i + 2


def _class_end(pattern: str, start: int, out: list[str]) -> int:
    """Copy the character class opening at ``pattern[start]`` into ``out``; return its end.

    A ``]`` right after ``[`` or ``[^`` is a literal, as are ``[:name:]``
    spans; escapes are copied through ``_escape``.
    """
    size = len(pattern)
    i = start + 1
    out.append("[")
    if i < size and pattern[i] == "^":
        out.append("^")
        i += 1
    if i < size and pattern[i] == "]":
        out.append("]")
        i += 1
    while i < size:
        char = pattern[i]
        if char == "\\" and i + 1 < size:
            text, i = _escape(pattern, i)
            out.append(text)
            continue
        if char == "[" and pattern.startswith("[:", i):
            close = pattern.find(":]", i + 2)
            if close >= 0:
                out.append(pattern[i : close + 2])
                i = close + 2
                continue
        out.append(char)
        i += 1
        if char == "]":
            return i
    return i


def to_re2(pattern: str, *, extended: bool) -> str:
    """``pattern`` (quoting already expanded) in RE2 syntax; ``extended`` for ``$options`` x."""
    if "\\" not in pattern and not extended:
        return pattern
    out: list[str] = []
    i = 0
    size = len(pattern)
    while i < size:
        char = pattern[i]
        if char == "\\" and i + 1 < size:
            text, i = _escape(pattern, i)
            out.append(text)
        elif char == "[":
            i = _class_end(pattern, i, out)
        elif extended and char in _EXTENDED_SPACE:
            i += 1
        elif extended and char == "#":
            newline = pattern.find("\n", i)
            i = size if newline < 0 else newline + 1
        else:
            out.append(char)
            i += 1
    return "".join(out)
