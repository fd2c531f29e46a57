"""The REST side of a synced subscription: the query's current result set.

``result_set_fetch`` turns a subscribe query into the ``Fetch`` a
``SyncEngine`` calls: a paged ``find_all`` (exact while others write) for
the same class, ``where`` and ``keys``, optionally narrowed to objects
changed since a point in time. The same reader serves a lean view's two
passes (versions only, then whole objects by id; see
``livequery_cli.synced.lean``). Objects get the ``className`` LiveQuery
events carry, so snapshot records and events look alike to consumers.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from livequery_cli.synced.start_point import START_READ_LIMIT, StartPoint, start_point_of
from livequery_cli.synced.view import version

if TYPE_CHECKING:
    # A type only: ``lq tail --since`` reads ``parse_since`` before it
    # subscribes, which must not wait for aiohttp.
    from livequery_cli.client.rest import RestClient

__all__ = [
    "VERSION_KEYS",
    "ResultSetReader",
    "among_ids",
    "parse_since",
    "result_set_fetch",
    "since_where",
    "start_point",
]

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_since(text: str, *, now: datetime | None = None) -> datetime:
    """``10m`` (that long ago), or an ISO 8601 timestamp (UTC unless it says otherwise).

    Raises ``ValueError`` with a one-line reason.
    """
    cleaned = text.strip()
    if not cleaned:
        raise ValueError("empty value (examples: 10m, 2h, 2026-01-01T12:00:00Z)")
    seconds = _duration(cleaned.lower())
    if seconds is not None:
        return (now or datetime.now(UTC)) - timedelta(seconds=seconds)
    iso = cleaned[:-1] + "+00:00" if cleaned.endswith(("Z", "z")) else cleaned
    try:
        stamp = datetime.fromisoformat(iso)
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a duration nor a timestamp "
            "(examples: 10m, 2h, 2026-01-01T12:00:00Z)"
        ) from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone(UTC)


def _duration(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        pos, value = 0, 0.0
        for match in _DURATION_PART.finditer(text):
            if match.start() != pos:
                return None
            value += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if pos != len(text) or pos == 0:
            return None
    if value < 0 or value != value or value == float("inf"):
        return None
    return value


def parse_date(stamp: datetime) -> dict[str, str]:
    """A Parse ``Date`` value for ``stamp`` (millisecond precision, UTC)."""
    utc = stamp.astimezone(UTC)
    return {
        "__type": "Date",
        "iso": utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z",
    }


def since_where(where: Mapping[str, Any], since: datetime | None) -> dict[str, Any]:
    """``where`` narrowed to objects updated at or after ``since``."""
    if since is None:
        return dict(where)
    bound = {"updatedAt": {"$gte": parse_date(since)}}
    if not where:
        return bound
    if "updatedAt" in where:
        return {"$and": [dict(where), bound]}
    return {**where, **bound}


VERSION_KEYS = ("objectId", "updatedAt")
"""What a lean read's first pass asks for: a member's identity and version."""


class ResultSetReader:
    """A subscribe query's result set over REST: whole, or in the lean read's two passes.

    Calling it is the ``Fetch``: every matching object, by objectId. A
    ``SyncEngine`` with a lean view reads it with ``versions`` and
    ``objects`` instead (see ``livequery_cli.synced.lean``).
    """

    def __init__(
        self,
        rest: RestClient,
        class_name: str,
        where: Mapping[str, Any],
        *,
        keys: Sequence[str] | None = None,
        since: datetime | None = None,
    ) -> None:
        self._rest = rest
        self._class_name = class_name
        self._where = since_where(where, since)
        self._keys = list(keys) if keys else None

    async def __call__(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        async for obj in self.members():
            oid = obj.get("objectId")
            if isinstance(oid, str):
                found[oid] = obj
        return found

    async def members(self) -> AsyncIterator[dict[str, Any]]:
        """Every member's whole object, paged by objectId."""
        async for obj in self._rest.find_all(self._class_name, self._where, keys=self._keys):
            obj.setdefault("className", self._class_name)
            yield obj

    async def versions(self) -> AsyncIterator[tuple[str, str]]:
        """``(objectId, updatedAt)`` of every member, paged by objectId."""
        members = self._rest.find_all(self._class_name, self._where, keys=VERSION_KEYS)
        async for obj in members:
            oid = obj.get("objectId")
            if isinstance(oid, str):
                yield oid, version(obj)

    async def objects(
        self, ids: Sequence[str], after: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """The members among ``ids`` (one request), as the subscription's query has them.

        ``after`` (an objectId all of ``ids`` sort after) is passed on as a
        paging cursor: a server that pages by objectId starts its scan there.
        """
        if not ids:
            return {}
        where = among_ids(self._where, ids, after)
        found: dict[str, dict[str, Any]] = {}
        page = await self._rest.find(
            self._class_name, where, keys=self._keys, order="objectId", limit=len(ids)
        )
        for obj in page:
            oid = obj.get("objectId")
            if isinstance(oid, str):
                obj.setdefault("className", self._class_name)
                found[oid] = obj
        return found


def among_ids(
    where: Mapping[str, Any], ids: Sequence[str], after: str | None = None
) -> dict[str, Any]:
    """``where`` narrowed to the objects whose ``objectId`` is one of ``ids`` (and > ``after``)."""
    constraint: dict[str, Any] = {"$in": list(ids)}
    if after is not None:
        constraint["$gt"] = after
    among = {"objectId": constraint}
    if not where:
        return among
    if "objectId" in where:
        return {"$and": [dict(where), among]}
    return {**where, **among}


def result_set_fetch(
    rest: RestClient,
    class_name: str,
    where: Mapping[str, Any],
    *,
    keys: Sequence[str] | None = None,
    since: datetime | None = None,
) -> ResultSetReader:
    """The ``Fetch`` for a subscribe query: every matching object, by objectId.

    It can also read lean (``ResultSetReader``): a ``SyncEngine`` whose view
    keeps only versions then fetches whole objects only for what it prints.
    """
    return ResultSetReader(rest, class_name, where, keys=keys, since=since)


async def start_point(rest: RestClient, class_name: str) -> StartPoint | None:
    """The newest ``updatedAt`` in the class and the objects at it, on the server's clock.

    Read before subscribing, it bounds the tail's start from below: any
    write after it is stamped at least this, whatever the two clocks say,
    so a silent first load can tell the objects that were already there
    from the ones that may have been written (and their events lost) since
    (see ``livequery_cli.synced.start_point``). None for an odd answer.
    """
    newest = await rest.find(
        class_name, {}, keys=["updatedAt"], order="-updatedAt", limit=START_READ_LIMIT
    )
    return start_point_of(newest)
