"""The lean read's first pass without the REST stack: versions over the standard library.

A resyncing ``lq tail`` starts with a silent load (the seed) that reads every
member's ``objectId`` and ``updatedAt`` and no whole object (see
``livequery_cli.synced.lean``). Importing aiohttp and the REST client for it
costs about 0.1 s of CPU (two TLS contexts with the system trust store,
hundreds of modules: about what printing 8,000 events costs) and 10 MB of
memory, while the tail is already streaming. So the version pages go through
``StartVersionReader``'s plain GET (``http.client`` in a thread, the same
request ``RestClient.find_all`` makes: ``objectId`` order, a ``$gt`` cursor),
and the REST client is built
only when whole objects are wanted (a resync that found news, a snapshot) or
when the first page could not be read: the REST client then reads the
versions itself and reports the failure in its own words.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any

import orjson

from livequery_cli.cli.tail.start_version import StartVersionReader
from livequery_cli.exceptions import RestError
from livequery_cli.synced.lean import ResultSetSource
from livequery_cli.synced.view import version

__all__ = ["PAGE_SIZE", "LightVersionSource"]

PAGE_SIZE = 1000
"""Members per version page (``RestClient.find_all``'s page size)."""
VERSION_KEYS = "objectId,updatedAt"


class LightVersionSource:
    """A ``ResultSetSource``: ``versions`` over ``reader``, whole objects through ``full``."""

    def __init__(
        self,
        reader: StartVersionReader,
        class_name: str,
        where: Mapping[str, Any],
        full: Callable[[], Awaitable[ResultSetSource]],
    ) -> None:
        self._reader = reader
        self._class_name = class_name
        self._where = dict(where)
        self._make_full = full
        self._full: ResultSetSource | None = None

    async def _full_source(self) -> ResultSetSource:
        if self._full is None:
            self._full = await self._make_full()
        return self._full

    async def __call__(self) -> dict[str, dict[str, Any]]:
        return await (await self._full_source())()

    async def members(self) -> AsyncIterator[dict[str, Any]]:
        async for obj in (await self._full_source()).members():
            yield obj

    async def objects(
        self, ids: Sequence[str], after: str | None = None
    ) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        return await (await self._full_source()).objects(ids, after)

    async def versions(self) -> AsyncIterator[tuple[str, str]]:
        """``(objectId, updatedAt)`` of every member, paged by objectId."""
        last: str | None = None
        while True:
            where = self._where if last is None else _after(self._where, last)
            params = {"keys": VERSION_KEYS, "order": "objectId", "limit": str(PAGE_SIZE)}
            if where:
                params["where"] = orjson.dumps(where).decode()
            page = await self._reader.results(self._class_name, params)
            if page is None:
                if last is None:  # nothing read yet: the REST client reads, and says what fails
                    async for item in (await self._full_source()).versions():
                        yield item
                    return
                raise RestError("a page of the result set could not be read", status=0)
            for obj in page:
                oid = obj.get("objectId") if isinstance(obj, dict) else None
                if isinstance(oid, str):
                    yield oid, version(obj)
            if len(page) < PAGE_SIZE:
                return
            tail = page[-1]
            last_id = tail.get("objectId") if isinstance(tail, dict) else None
            if not isinstance(last_id, str) or last_id == last:
                raise RestError("the server's find answer is not ordered by objectId", status=200)
            last = last_id


def _after(where: Mapping[str, Any], last_id: str) -> dict[str, Any]:
    """``where`` narrowed to objects whose ``objectId`` sorts after ``last_id`` (``find_all``'s)."""
    cursor = {"objectId": {"$gt": last_id}}
    if "objectId" in where:
        return {"$and": [dict(where), cursor]}
    return {**where, **cursor}
