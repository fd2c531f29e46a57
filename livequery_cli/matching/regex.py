"""``$regex`` patterns, run on RE2: a linear-time engine, so no pattern can freeze the server.

Parse clients write patterns for MongoDB's PCRE; Parse's LiveQuery runs them
with JavaScript's ``RegExp``; both are backtracking engines, on which patterns
such as ``(a+)+$`` or ``.*(?:.*)?x`` take exponential or polynomial time in the
length of the string tested. The matcher runs inside the server's event loop,
on patterns written by anonymous clients, so it uses Google's RE2 (the
``google-re2`` package): matching time is linear in the length of the string,
whatever the pattern. A shape check in front of a backtracking engine, which
this replaces, always left another hole.

What RE2 cannot run is refused at compile time with a ``QueryError`` (code
102), in REST ``find`` and ``subscribe`` alike, with a one-line reason:
backreferences (``\\1``, ``\\k<name>``), lookahead and lookbehind
(``(?=``, ``(?!``, ``(?<=``, ``(?<!``), atomic groups and possessive
quantifiers. Otherwise the syntax Parse clients use is kept:

- ``\\Q...\\E`` quoting (how the SDKs' ``startsWith``/``endsWith``/``contains``
  escape user text): the quoted text is escaped literally. An unterminated
  ``\\Q`` quotes to the end of the pattern and a stray ``\\E`` is ignored, as
  in PCRE (Parse's own translation loops forever on an unterminated ``\\Q``).
- ``$options``: ``i``, ``m``, ``s`` as in MongoDB, and ``x`` (extended), which
  RE2 lacks: unescaped whitespace outside character classes and ``#``
  comments up to the end of the line are removed before compiling, which is
  what PCRE's extended mode does. Anything else is refused, as Parse REST
  refuses it. (Parse's LiveQuery hands ``x`` to ``RegExp``, which rejects it,
  so such subscriptions never match there.)
- JavaScript's ``\\uXXXX`` becomes RE2's ``\\x{XXXX}``; ``\\Z`` (end of the
  string) becomes RE2's ``\\z``; named groups ``(?<name>...)`` and
  ``(?P<name>...)`` are both RE2 syntax.

Differences from JavaScript that remain: ``\\s`` is ASCII whitespace only
(``[\\t\\n\\f\\r ]``: no ``\\v`` or Unicode spaces) and ``.`` matches ``\\r``,
``\\u2028`` and ``\\u2029``. ``\\d``, ``\\w`` and ``\\b`` are ASCII, as in
JavaScript, and ``$`` without ``m`` matches only at the very end.

Linear is not free: a match costs up to the string's length times the size of
the compiled program (RE2 falls back from its DFA to an NFA on patterns such
as ``(a|b)*a(a|b){20}``). So programs are at most ``MAX_REGEX_PROGRAM_SIZE``
instructions, each compiled pattern's RE2 memory is capped at
``REGEX_MAX_MEM``, and a string is tested only while its length times the
program size stays within ``MAX_REGEX_WORK`` (``limits``); a longer string
never matches that ``$regex``. Patterns are matched with ``search``
(anywhere in the string), like ``RegExp.test``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import re2

from livequery_cli.exceptions import QueryError
from livequery_cli.matching.limits import (
    MAX_REGEX_LENGTH,
    MAX_REGEX_PROGRAM_SIZE,
    MAX_REGEX_WORK,
    REGEX_CACHE_SIZE,
    REGEX_MAX_MEM,
)
from livequery_cli.matching.regex_syntax import expand_quoting, to_re2

__all__ = ["CompiledRegex", "compile_regex", "expand_quoting"]

_OPTION_LETTERS: Final = frozenset("imsx")

# RE2's error text starts with what it could not parse; the features Parse
# clients can write but RE2 cannot run get a reason a person can act on.
_UNSUPPORTED: Final = (
    (re.compile(r"invalid perl operator: \(\?[=!]"), "lookahead ((?=...), (?!...))"),
    (re.compile(r"invalid perl operator: \(\?<[=!]"), "lookbehind ((?<=...), (?<!...))"),
    (re.compile(r"invalid escape sequence: \\[1-9k]"), "backreferences (\\1, \\k<name>)"),
    (re.compile(r"invalid perl operator: \(\?>"), "atomic groups ((?>...))"),
    (re.compile(r"bad repetition operator: [*+?}]\+"), "possessive quantifiers (a++, a*+)"),
)


@dataclass(frozen=True, slots=True)
class CompiledRegex:
    """A ``$regex`` ready to test strings: ``search`` and the longest string it tests."""

    pattern: re2._Regexp[str]
    max_subject_length: int

    def found_in(self, text: str) -> bool:
        """Whether the pattern occurs in ``text``; ``False`` beyond ``max_subject_length``."""
        if len(text) > self.max_subject_length:
            return False
        try:
            return self.pattern.search(text) is not None
        except UnicodeEncodeError:  # a lone surrogate: RE2 reads UTF-8
            encoded = text.encode("utf-8", "surrogatepass")
            return self.pattern.search(encoded) is not None


def _options(letters: str) -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # refusals are answered to the client, not logged
    options.never_capture = True  # only "does it match" is ever asked
    options.max_mem = REGEX_MAX_MEM
    options.case_sensitive = "i" not in letters
    options.dot_nl = "s" in letters
    return options


def _reason(error: re2.error, source: str) -> str:
    raw = error.args[0] if error.args else ""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if text.startswith("invalid perl operator: (?P") and "(?P=" in source:
        text = "invalid escape sequence: \\k"  # Python's spelling of a backreference
    for shape, feature in _UNSUPPORTED:
        if shape.match(text):
            return f"$regex refused: {feature} cannot run in linear time and is not supported"
    if "pattern too large" in text:
        return "$regex refused: the pattern is too complex"
    return f"invalid $regex: {text.splitlines()[0] if text else 'cannot be compiled'}"


def _program_size(compiled: re2._Regexp[str]) -> int:
    """RE2's instruction count for ``compiled`` (not in the package's typed API)."""
    regexp: object = compiled._regexp  # type: ignore[attr-defined]
    return int(regexp.ProgramSize())  # type: ignore[attr-defined]


@lru_cache(maxsize=REGEX_CACHE_SIZE)
def compile_regex(pattern: str, options: str = "") -> CompiledRegex:
    """The compiled form of a ``$regex`` with its ``$options``; ``QueryError`` if refused."""
    if len(pattern) > MAX_REGEX_LENGTH:
        raise QueryError(
            f"$regex is {len(pattern)} characters long; the limit is {MAX_REGEX_LENGTH}"
        )
    if not set(options) <= _OPTION_LETTERS:
        raise QueryError(f"$options {options!r} is not supported: use the letters i, m, x and s")
    source = to_re2(expand_quoting(pattern), extended="x" in options)
    if "m" in options:
        source = "(?m)" + source
    try:
        compiled = re2.compile(source, _options(options))
    except re2.error as exc:
        raise QueryError(_reason(exc, source)) from None
    except UnicodeEncodeError:
        raise QueryError("invalid $regex: the pattern is not valid Unicode") from None
    size = _program_size(compiled)
    if size > MAX_REGEX_PROGRAM_SIZE:
        raise QueryError(
            f"$regex refused: the pattern compiles to {size} instructions; "
            f"the limit is {MAX_REGEX_PROGRAM_SIZE}"
        )
    return CompiledRegex(compiled, MAX_REGEX_WORK // max(size, 1))
