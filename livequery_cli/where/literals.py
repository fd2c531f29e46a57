"""What a bare word in value position means: a number, a date, a pointer, a literal or a string.

The rules are strict where a guess would silently change the query: a word
that starts like a number must be a number (``12:30`` is an error, not the
string "12:30"), and a word with a ``:`` must be a well-formed pointer.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from livequery_cli.where.nodes import DateValue, PointerValue, Value
from livequery_cli.where.tokens import KEYWORDS, LITERAL_WORDS

_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?([eE][+-]?\d+)?")
_NUMBER_LIKE = re.compile(r"[+-]?\.?\d")
_LOOKS_LIKE_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_POINTER = re.compile(r"(_?[A-Za-z][A-Za-z0-9_]*):([A-Za-z0-9_-]+)")
_DATE = re.compile(
    r"@(\d{4})-(\d{2})-(\d{2})"
    r"(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"([Zz]|[+-]\d{2}:?\d{2})?)?"
)
MAX_SAFE_INTEGER = 2**53


class LiteralError(ValueError):
    """A word that cannot be a value; the parser turns it into a WhereSyntaxError at its span."""


def word_value(word: str) -> Value:
    """The value a bare word stands for (keywords other than true/false/null are refused)."""
    lowered = word.lower()
    if lowered in LITERAL_WORDS:
        return LITERAL_WORDS[lowered]
    if word.startswith("@"):
        return DateValue(parse_date(word))
    if _NUMBER_LIKE.match(word):
        return parse_number(word)
    if lowered in KEYWORDS:
        raise LiteralError(
            f'found the keyword `{word}` where a value belongs (quote it for the string "{word}")'
        )
    if ":" in word:
        match = _POINTER.fullmatch(word)
        if match is None:
            raise LiteralError(
                f"`{word}` is not a pointer (Class:objectId); quote it to use it as a string"
            )
        return PointerValue(match.group(1), match.group(2))
    if word.startswith("$"):
        raise LiteralError(f"`{word}` starts with `$`; quote it to use it as a string")
    return word


def parse_number(word: str) -> int | float:
    if not _NUMBER.fullmatch(word):
        if _LOOKS_LIKE_DATE.match(word.lstrip("+-")):
            raise LiteralError(f"`{word}` is not a number; dates start with `@`: @{word}")
        raise LiteralError(f"`{word}` is not a number; quote it to use it as a string")
    if "." in word or "e" in word or "E" in word:
        number = float(word)
        if number in (float("inf"), float("-inf")):
            raise LiteralError(f"`{word}` is out of range for a number")
        return number
    digits = word.lstrip("+-").lstrip("0")
    if len(digits) > 16 or int(word) > MAX_SAFE_INTEGER or int(word) < -MAX_SAFE_INTEGER:
        raise LiteralError(
            f"`{word}` is too large: Parse numbers are exact only up to 2^53 "
            "(write it as a float, e.g. 1.5e20, if approximate is fine)"
        )
    return int(word)


def parse_date(word: str) -> datetime:
    """``@2026-01-01`` (midnight UTC) or ``@2026-01-01T10:00:00Z``/``+02:00``: UTC, in ms."""
    match = _DATE.fullmatch(word)
    if match is None:
        raise LiteralError(f"`{word}` is not a date: write @2026-01-01 or @2026-01-01T10:00:00Z")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    if hour is not None and zone is None:
        raise LiteralError(f"`{word}` has no time zone: add `Z` for UTC or an offset like `+02:00`")
    try:
        tz = UTC
        if zone is not None and zone not in "Zz":
            sign = -1 if zone[0] == "-" else 1
            digits = zone[1:].replace(":", "")
            if int(digits[:2]) > 23 or int(digits[2:]) > 59:
                raise ValueError(f"{zone} is not a time zone offset")
            tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        micro = int((fraction or "0").ljust(6, "0")[:6])
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            micro - micro % 1000,
            tzinfo=tz,
        )
        return local.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise LiteralError(f"`{word}` is not a valid date: {exc}") from None
