"""The pretty lines' clock as it was before its fast path: the reference it must match.

``tests/cli/output/test_pretty_equivalence.py`` compares ``LineClock`` with
this copy over generated times and styles.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable


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


TIMESTAMP_STYLES = ("local", "utc", "iso", "relative", "none")


class LineClock:
    """The time column of a pretty line, in one of ``TIMESTAMP_STYLES``.

    ``local`` (the default) is the time of day while the line is from today,
    and the date is added when the day changes or the line is older than
    today (a snapshot of last week's objects must not read as "this morning").
    ``utc`` is the same in UTC with a ``Z``; ``iso`` is the full ISO 8601 UTC
    stamp; ``relative`` is the age at the time of printing (``-3.2s``,
    ``-2h05m``); ``none`` prints no column. ``now`` exists for tests.
    """

    def __init__(
        self,
        style: str,
        *,
        before: str = "",
        after: str = "",
        now: Callable[[], float] = time.time,
    ) -> None:
        if style not in TIMESTAMP_STYLES:
            raise ValueError(f"unknown timestamp style {style!r}")
        self.style = style
        self._before = before
        self._after = after
        self._now = now
        local = style == "local"
        self._convert = time.localtime if local else time.gmtime
        zone = "" if local else "Z"
        self._time = MillisStamp("%H:%M:%S", local=local, before=before, after=zone + after)
        self._dated = MillisStamp(
            "%Y-%m-%d %H:%M:%S", local=local, before=before, after=zone + after
        )
        self._iso = MillisStamp("%Y-%m-%dT%H:%M:%S", local=False, before=before, after="Z" + after)
        self._last_day: tuple[int, int, int] | None = None
        self._last_today = False
        self._today = (0.0, 0.0)  # [start, end) of today, in epoch seconds

    def __call__(self, ts: float) -> str:
        """The column for a line stamped ``ts``, with its trailing space ("" for ``none``)."""
        style = self.style
        if style == "none":
            return ""
        if style == "iso":
            return self._iso(ts) + " "
        if style == "relative":
            return f"{self._before}{_age(self._now() - ts)}{self._after} "
        start, end = self._today
        if self._last_today and start <= ts < end:  # the common case: no clock read
            return self._time(ts) + " "
        return self._dated_or_time(ts)

    def _dated_or_time(self, ts: float) -> str:
        self._today = start, end = self._day_range(self._now())
        day = self._convert(ts)[:3]
        is_today = start <= ts < end
        changed = self._last_day is not None and day != self._last_day
        self._last_day = day
        self._last_today = is_today
        if changed or not is_today:
            return self._dated(ts) + " "
        return self._time(ts) + " "

    def _day_range(self, now: float) -> tuple[float, float]:
        year, month, day = self._convert(now)[:3]
        if self.style == "local":
            start = time.mktime((year, month, day, 0, 0, 0, 0, 0, -1))
            end = time.mktime((year, month, day + 1, 0, 0, 0, 0, 0, -1))
        else:
            start = float(calendar.timegm((year, month, day, 0, 0, 0, 0, 0, 0)))
            end = start + 86400.0
        return start, end


def _age(seconds: float) -> str:
    """``-0.4s``, ``-12s``, ``-3m05s``, ``-2h05m``, ``-3d04h``: how long ago, compactly."""
    ago = max(0.0, seconds)
    if ago < 10:
        return f"-{ago:.1f}s"
    whole = int(ago)
    if whole < 60:
        return f"-{whole}s"
    if whole < 3600:
        return f"-{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"-{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"-{whole // 86400}d{whole % 86400 // 3600:02d}h"
