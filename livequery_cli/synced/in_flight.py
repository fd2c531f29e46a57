"""What a load printed, kept while the event frames of the same writes may still arrive.

A load's ``find`` can read a write whose event frame is still on its way;
arriving after the load, that event is a repeat of what the load printed. So
for ``IN_FLIGHT_WINDOW`` seconds after a load, a live event at a version the
load printed (or an older one) is absorbed. Only printed versions are kept,
each absorbing one frame at its own version: two live saves within one
millisecond share an ``updatedAt``, and the second is news, not a repeat.
After the window the record is freed, so a long-running tail does not keep a
copy of every version it once printed.
"""

from __future__ import annotations

import asyncio
from typing import Any

from livequery_cli.synced.view import REMOVING_OPS, object_id, version

__all__ = ["IN_FLIGHT_WINDOW", "InFlightRepeats"]

IN_FLIGHT_WINDOW = 30.0
"""Seconds after a load during which a live event may repeat what the load printed.

A frame that left the server before the ``find`` read its object arrives
well within this; afterwards the record of what the load printed is freed.
"""


class InFlightRepeats:
    """The versions the last load printed, by objectId, for ``window`` seconds."""

    __slots__ = ("_shown", "_timer", "_window")

    def __init__(self, window: float = IN_FLIGHT_WINDOW) -> None:
        self._shown: dict[str, str] = {}
        self._timer: asyncio.TimerHandle | None = None
        self._window = window

    def __bool__(self) -> bool:
        return bool(self._shown)

    @property
    def versions(self) -> dict[str, str]:
        """What is kept now (a read-only look, for tests and debugging)."""
        return dict(self._shown)

    @staticmethod
    def note(printed: dict[str, str], op: str, obj: dict[str, Any]) -> None:
        """Add what one printed record showed to ``printed`` (removals show nothing)."""
        oid = object_id(obj)
        if oid is not None and op not in REMOVING_OPS:
            printed[oid] = version(obj)

    def keep(self, printed: dict[str, str]) -> None:
        """Replace the record with ``printed``, for the next ``window`` seconds."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._shown = printed
        if printed:
            self._timer = asyncio.get_running_loop().call_later(self._window, self.forget)

    def forget(self) -> None:
        """Drop the record (the window ended, or the engine closed)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._shown = {}

    def absorbs(self, obj: dict[str, Any]) -> bool:
        """True for the late frame of a version the last load already printed."""
        oid = obj.get("objectId")
        if type(oid) is not str:
            return False
        shown = self._shown.get(oid)
        if shown is None:
            return False
        found = version(obj)
        if found < shown:
            return True  # an older save's frame, from before the find
        del self._shown[oid]
        return found == shown
