"""Millisecond timestamps for output lines, formatted once per millisecond.

Formatting a time costs more than encoding a small event; in a burst
thousands of events share a millisecond, so caching the last text makes it
free. Every output format that prints a time (the ``--json`` envelope's UTC
``ts``, the pretty lines' clock) uses this one class.
"""

from __future__ import annotations

import time

__all__ = ["MillisStamp", "utc_stamp"]


class MillisStamp:
    """``strftime(pattern)`` + ``.mmm``, between ``before`` and ``after``; local time or UTC."""

    __slots__ = ("_after", "_before", "_convert", "_last_ms", "_last_text", "_pattern")

    def __init__(self, pattern: str, *, local: bool, before: str = "", after: str = "") -> None:
        self._pattern = pattern
        self._convert = time.localtime if local else time.gmtime
        self._before = before
        self._after = after
        self._last_ms = -1
        self._last_text = ""

    def __call__(self, ts: float) -> str:
        ms = int(ts * 1000)
        if ms != self._last_ms:
            seconds, millis = divmod(ms, 1000)
            text = time.strftime(self._pattern, self._convert(seconds))
            self._last_text = f"{self._before}{text}.{millis:03d}{self._after}"
            self._last_ms = ms
        return self._last_text


def utc_stamp() -> MillisStamp:
    """ISO 8601 UTC with milliseconds, as the ``--json`` envelope writes ``ts``."""
    return MillisStamp("%Y-%m-%dT%H:%M:%S", local=False, after="Z")
