"""``$regex`` patterns: Perl-style quoting, ``$options`` flags, a bounded compile cache.

Parse clients write patterns for MongoDB's PCRE; Parse's LiveQuery runs them
with JavaScript's ``RegExp``; here they run with Python's ``re``. The common
syntax is shared; the differences that matter in practice are handled here:

- ``\\Q...\\E`` quoting (how the SDKs' ``startsWith``/``endsWith``/``contains``
  escape user text): the quoted text is escaped literally. An unterminated
  ``\\Q`` quotes to the end of the pattern and a stray ``\\E`` is ignored, as
  in PCRE (Parse's own translation loops forever on an unterminated ``\\Q``).
- ``$options``: ``i``, ``m``, ``x``, ``s`` as in MongoDB; anything else is
  refused, as Parse REST refuses it. (Parse's LiveQuery hands ``x`` to
  ``RegExp``, which rejects it, so such subscriptions never match there.)
- ``(?<name>...)`` named groups, JavaScript's spelling, become ``(?P<name>...)``.

Known remaining differences: ``\\d``/``\\w`` also match non-ASCII digits and
letters; ``$`` without ``m`` also matches before a final newline (as in PCRE).

``re`` cannot be interrupted and runs in the server's event loop, so
catastrophic backtracking is prevented rather than timed out: patterns whose
shape can backtrack catastrophically (``(a+)+``, ``(a|aa)+``, ``.*.*x``,
backreferences) are refused when compiled (``regex_safety``), patterns are at
most ``MAX_REGEX_LENGTH`` characters, and strings longer than
``MAX_REGEX_SUBJECT_LENGTH`` never match a ``$regex`` (``operators``). The
refusal is a ``QueryError`` (code 102), in REST ``find`` and ``subscribe``
alike. Patterns are matched with ``search`` (anywhere in the string), like
``RegExp.test``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from livequery_cli.exceptions import QueryError
from livequery_cli.matching.limits import MAX_REGEX_LENGTH, REGEX_CACHE_SIZE
from livequery_cli.matching.regex_safety import check_backtracking

__all__ = ["compile_regex", "expand_quoting"]

_OPTION_FLAGS: Final = {"i": re.IGNORECASE, "m": re.MULTILINE, "x": re.VERBOSE, "s": re.DOTALL}
_JS_NAMED_GROUP: Final = re.compile(r"(?<!\\)\(\?<(?=[A-Za-z_])")


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


def _flags(options: str) -> int:
    flags = 0
    for letter in options:
        flag = _OPTION_FLAGS.get(letter)
        if flag is None:
            raise QueryError(
                f"$options {options!r} is not supported: use the letters i, m, x and s"
            )
        flags |= flag
    return flags


@lru_cache(maxsize=REGEX_CACHE_SIZE)
def compile_regex(pattern: str, options: str = "") -> re.Pattern[str]:
    """The compiled form of a ``$regex`` with its ``$options``; ``QueryError`` if invalid."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise QueryError(
            f"$regex is {len(pattern)} characters long; the limit is {MAX_REGEX_LENGTH}"
        )
    flags = _flags(options)
    source = _JS_NAMED_GROUP.sub("(?P<", expand_quoting(pattern))
    try:
        compiled = re.compile(source, flags)
        check_backtracking(source, flags)
    except (re.error, OverflowError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, re.error) else "pattern too complex"
        raise QueryError(f"invalid $regex: {reason}") from None
    return compiled
