"""The suite's one way to wait: for a condition or a record, with a deadline, never a fixed sleep.

``until(predicate, timeout=...)`` polls a cheap condition (a process
exited, a counter reached N) and fails with ``what`` when time runs out;
``Deadline`` shares one time budget across the reads of a loop that waits
for a particular record (``remaining()`` fails the same way).
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Deadline", "until"]

POLL_S = 0.01


class Deadline:
    """A time budget: ``remaining(what)`` is the seconds left, or an ``AssertionError``."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds

    def remaining(self, what: str) -> float:
        left = self._end - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out waiting for {what}")
        return left


def until(predicate: Callable[[], object], *, timeout: float, what: str = "a condition") -> None:
    """Return as soon as ``predicate()`` is true; fail after ``timeout`` seconds."""
    deadline = Deadline(timeout)
    while not predicate():
        deadline.remaining(what)
        time.sleep(POLL_S)
