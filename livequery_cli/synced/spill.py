"""A snapshot's objects parked on disk until they can be printed in version order.

A snapshot prints every member of the result set, oldest ``updatedAt``
first, but the ``find`` that reads them pages by ``objectId`` (the order
servers can page cheaply and exactly while others write). Sorting needs
every object read first; holding them all is what made a big snapshot cost
the result set's size in memory. A lean view needs only versions afterwards,
so the objects go to an anonymous temporary file (private to this process,
gone when closed) as they stream in; memory holds each one's version and
place in the file, and printing reads them back in order.

An object read back carries the very ``objectId`` string the versions (and
so the view) are keyed by, not a second copy parsed from the file: a
consumer that keeps something per member by objectId (``lq watch``'s table
of 100,000 rows) then shares the key instead of holding it twice.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

import orjson

from livequery_cli.synced.view import version

__all__ = ["SpilledObjects"]


class SpilledObjects:
    """Objects written to a temporary file, read back oldest version first."""

    def __init__(self) -> None:
        # Lives from the read to the printing; ``close()`` ends it.
        self._file: IO[bytes] = tempfile.TemporaryFile(prefix="lq-snapshot-")  # noqa: SIM115
        self._places: list[tuple[str, int, int]] = []
        """``(objectId, offset, length)`` per object, in the order they came."""
        self._end = 0
        self.versions: dict[str, str] = {}
        """Every object's version, by objectId (what a lean view keeps)."""

    def __len__(self) -> int:
        return len(self._places)

    def add(self, object_id: str, obj: dict[str, Any]) -> None:
        """Park ``obj`` (a paged ``find`` returns each objectId once; a repeat is ignored)."""
        if object_id in self.versions:
            return
        data = orjson.dumps(obj)
        self._file.write(data)
        found = version(obj)
        self.versions[object_id] = found
        self._places.append((object_id, self._end, len(data)))
        self._end += len(data)

    def in_version_order(self) -> Iterator[dict[str, Any]]:
        """The objects, oldest version first (ties in the order they came)."""
        self._file.flush()
        self._places.sort(key=self._version_of)
        read = self._file.read
        seek = self._file.seek
        for object_id, offset, length in self._places:
            seek(offset)
            obj = orjson.loads(read(length))
            obj["objectId"] = object_id  # the versions' own key string (see above)
            yield obj

    def _version_of(self, place: tuple[str, int, int]) -> str:
        return self.versions[place[0]]

    def close(self) -> None:
        self._places = []
        self._file.close()
