"""The lean read of a result set: every member's version, objects only for the news.

A lean view (``lq tail``) keeps one version string per member, yet a plain
``find`` of the result set returns every member's whole object, so a resync
of a million-object query held a million objects at once. A load of a lean
view needs whole objects only for what it prints: the members that entered
or changed (and, for a silent first load, none at all). So it reads in two
passes:

1. the result set's ``objectId`` and ``updatedAt`` only (``keys``), page by
   page, comparing each member with the view as the page arrives and noting
   the ids whose objects will be needed;
2. those objects, by ``objectId`` (``$in``, ``OBJECTS_PER_REQUEST`` per
   request, with the previous request's last id as a paging cursor so a
   server that scans by objectId starts there), with the subscription's own
   ``where`` and ``keys``.

Memory is then the view, the new versions, one page, and the objects that
differ, not the result set's objects. Between the passes members move on: a
noted member the second pass no longer finds has left (or was deleted) since
the first, and counts as absent; one it finds at a newer version counts at
that version. Its events from in between are held back with the others and
de-duplicated against the result, as for any member of a paged ``find``,
whose pages are not read at one instant either.

A lean view's snapshot prints every member, so it reads them whole, but
parks them on disk until they are sorted (``read_spilled``,
``livequery_cli.synced.spill``) instead of holding them.

The engine reads lean when its fetch is a ``ResultSetSource``; a plain
coroutine function is read whole. A caller that must not build its reader
up front (``lq tail`` imports the REST stack only at the first load) hands
over a ``DeferredSource``, which builds the real one at its first read.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from livequery_cli.synced.start_point import StartPoint
from livequery_cli.synced.view import REMOVING_OPS, ResultView, object_id, version

if TYPE_CHECKING:
    from livequery_cli.synced.spill import SpilledObjects

__all__ = [
    "OBJECTS_PER_REQUEST",
    "DeferredSource",
    "FreshSet",
    "ResultSetSource",
    "Wanted",
    "read_lean",
    "read_spilled",
    "shown_versions",
    "unshown_test",
]

OBJECTS_PER_REQUEST = 100
"""Ids per ``$in`` request of the second pass: a short URL, a cheap index lookup."""

Wanted = Callable[[str, str], bool]
"""``(objectId, version) -> bool``: whether the load needs the member's object."""


@dataclass(slots=True)
class FreshSet:
    """A load's answer: every member's version, and the objects the load has.

    After a whole read ``objects`` holds every member; after a lean read only
    the members the load asked for (those that differ from the view); after
    a lean snapshot's read none: they wait in ``spilled``.
    """

    versions: dict[str, str]
    objects: dict[str, dict[str, Any]]
    spilled: SpilledObjects | None = None

    @classmethod
    def of_objects(cls, fresh: dict[str, dict[str, Any]]) -> FreshSet:
        """A whole read (``fetch()``'s answer), as is."""
        return cls({oid: version(obj) for oid, obj in fresh.items()}, fresh)

    def __len__(self) -> int:
        return len(self.versions)


@runtime_checkable
class ResultSetSource(Protocol):
    """A query's result set that can be read whole or in the two lean passes."""

    def __call__(self) -> Awaitable[dict[str, dict[str, Any]]]:
        """Every member's whole object, by objectId (a ``Fetch``)."""
        ...

    def members(self) -> AsyncIterator[dict[str, Any]]:
        """Every member's whole object, streamed page by page."""
        ...

    def versions(self) -> AsyncIterator[tuple[str, str]]:
        """``(objectId, updatedAt)`` of every member, streamed page by page."""
        ...

    async def objects(
        self, ids: Sequence[str], after: str | None = None
    ) -> dict[str, dict[str, Any]]:
        """The whole objects of those ``ids`` that are members now, by objectId.

        ``ids`` come in objectId order, each one after ``after`` when it is given.
        """
        ...


class DeferredSource:
    """A ``ResultSetSource`` built by ``make`` at its first read (once, shared by all reads)."""

    def __init__(self, make: Callable[[], Awaitable[ResultSetSource]]) -> None:
        self._make = make
        self._source: ResultSetSource | None = None

    async def _built(self) -> ResultSetSource:
        if self._source is None:
            self._source = await self._make()
        return self._source

    async def __call__(self) -> dict[str, dict[str, Any]]:
        return await (await self._built())()

    async def members(self) -> AsyncIterator[dict[str, Any]]:
        async for obj in (await self._built()).members():
            yield obj

    async def versions(self) -> AsyncIterator[tuple[str, str]]:
        async for pair in (await self._built()).versions():
            yield pair

    async def objects(
        self, ids: Sequence[str], after: str | None = None
    ) -> dict[str, dict[str, Any]]:
        return await (await self._built()).objects(ids, after)


async def read_lean(source: ResultSetSource, wanted: Wanted | None, view: ResultView) -> FreshSet:
    """The two passes: versions of all members, then the objects ``wanted`` asks for.

    ``view`` is the picture the versions are compared with; an unchanged
    version reuses the view's string, so the new versions cost little more
    than their keys.
    """
    versions: dict[str, str] = {}
    needed: list[str] = []
    version_of = view.version_of
    async for oid, found in source.versions():
        known = version_of(oid)
        versions[oid] = known if known == found and known is not None else found
        if wanted is not None and wanted(oid, found):
            needed.append(oid)
    objects: dict[str, dict[str, Any]] = {}
    for start in range(0, len(needed), OBJECTS_PER_REQUEST):
        chunk = needed[start : start + OBJECTS_PER_REQUEST]
        got = await source.objects(chunk, needed[start - 1] if start else None)
        for oid in chunk:
            obj = got.get(oid)
            if obj is None:
                # Gone from the result set since the first pass.
                versions.pop(oid, None)
            else:
                versions[oid] = version(obj)
                objects[oid] = obj
    return FreshSet(versions, objects)


async def read_spilled(source: ResultSetSource) -> FreshSet:
    """A lean view's snapshot: every member's object, parked on disk as it streams in.

    The snapshot prints them all, oldest version first, which only the whole
    set can tell; ``livequery_cli.synced.spill`` keeps them out of memory until then.
    """
    from livequery_cli.synced.spill import SpilledObjects

    spilled = SpilledObjects()
    try:
        async for obj in source.members():
            oid = object_id(obj)
            if oid is not None:
                spilled.add(oid, obj)
    except BaseException:
        spilled.close()
        raise
    return FreshSet(spilled.versions, {}, spilled)


def shown_versions(
    noted: Sequence[tuple[str, dict[str, Any], dict[str, Any] | None]],
) -> dict[str, str]:
    """The newest version each noted adding event showed, by objectId."""
    shown: dict[str, str] = {}
    for op, obj, _ in noted:
        oid = object_id(obj)
        if oid is not None and op not in REMOVING_OPS:
            shown[oid] = max(shown.get(oid, ""), version(obj))
    return shown


def unshown_test(bound: StartPoint, shown: Mapping[str, str]) -> Wanted:
    """Whether a silent load's member may be news: written since ``bound``, not shown since."""

    def may_be_news(oid: str, found: str) -> bool:
        if not bound.may_be_news(oid, found):
            return False
        seen = shown.get(oid)
        return seen is None or seen < found

    return may_be_news
