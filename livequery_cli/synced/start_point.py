"""Where a silent first load starts: the newest version before subscribing, and who holds it.

A tail that resyncs without ``--snapshot`` loads the result set silently
first (the *seed*), then prints what each later load finds changed. An
object the seed takes in may have been written after the subscription began,
with its event still on the way: if the socket drops before that event
arrives, the event is lost, and only the seed saw the write. So the seed
marks such members as possible news (*unshown*), and the next load reports
them (see ``livequery_cli.synced.engine``).

Telling them from the objects that were there before needs a point on the
server's clock: the class's newest ``updatedAt``, read before subscribing.
A member newer than it was written since. A member *at* it is the hard case:
the newest objects that were already there sit exactly at that version, and
so does a write made in the same millisecond after the read. Comparing
versions alone either reports the newest old objects as news after every
reconnect (the false ``enter (resync)``) or misses a same-millisecond write.
So the read also takes the objectIds at the newest version: a member at that
version is old when its id is among them, news otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["START_READ_LIMIT", "StartPoint", "start_point_of"]

START_READ_LIMIT = 100
"""Objects read (newest first, ``updatedAt`` only) to learn who holds the newest version."""


@dataclass(frozen=True)
class StartPoint:
    """The newest version before the subscription, and the objectIds at it.

    ``holders`` is None when they are not all known (more than the read
    returned share the version): members at the version then count as old,
    so nothing is ever reported that was there before.
    """

    version: str
    holders: frozenset[str] | None = None

    def may_be_news(self, object_id: str, found: str) -> bool:
        """Whether a member at version ``found`` may have been written after this point."""
        if found != self.version:
            return found > self.version
        return self.holders is not None and object_id not in self.holders


def start_point_of(results: Any, *, limit: int = START_READ_LIMIT) -> StartPoint | None:
    """The start point from a find's ``results`` (newest first), or None for an odd answer.

    Versions are read as ``livequery_cli.synced.view.version`` reads them: a
    string, or a ``{"__type": "Date", "iso": ...}``.
    """
    if not isinstance(results, list):
        return None
    if not results:
        return StartPoint("", frozenset())
    rows = [(_object_id(row), _version(row)) for row in results]
    newest = rows[0][1]
    if newest is None:
        return None
    holders = {oid for oid, found in rows if found == newest and oid is not None}
    everyone_at_newest = all(found == newest for _, found in rows)
    if everyone_at_newest and len(rows) >= limit:
        return StartPoint(newest, None)  # more may share it than were read
    return StartPoint(newest, frozenset(holders))


def _object_id(row: Any) -> str | None:
    oid = row.get("objectId") if isinstance(row, dict) else None
    return oid if isinstance(oid, str) else None


def _version(row: Any) -> str | None:
    value = row.get("updatedAt") if isinstance(row, dict) else None
    if isinstance(value, dict):
        value = value.get("iso")
    return value if isinstance(value, str) else None
