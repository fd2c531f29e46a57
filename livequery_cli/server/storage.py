"""SQLite persistence with an in-memory mirror of every object.

All objects live in one table keyed by (class, objectId) with the REST JSON
body as text; ``_User``, ``_Session`` and ``_Role`` are ordinary classes in it.
The server keeps a mirror of the table so that reads, ``find`` and the
"original" object of every write cost no query: the LiveQuery write path
must stay cheap. The mirror holds each object as its encoded JSON (the bytes
written to SQLite anyway), decoded on every read: about 0.5 KB of memory for
a 0.5 KB object instead of ~1.9 KB as a dict of Python values, for ~0.7 µs
of ``orjson.loads`` per object read. Every read hands out a fresh dict, so
no caller can change the stored object by accident. SQLite is the durable
copy, written through on every change (WAL, one statement per change, so the
file is consistent at any instant and after a crash). Because of the mirror,
a database file belongs to one server at a time; a lock file enforces that.

Everything runs on the event loop's thread: sqlite3 calls are short, and a
single writer keeps the mirror and the file in the same order.
"""

from __future__ import annotations

import bisect
import fcntl
import sqlite3
from collections.abc import Iterator
from typing import IO

import orjson

from livequery_cli.exceptions import ConfigError
from livequery_cli.parse.json_types import JsonObject

_SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    class TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (class, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS schemas (
    class TEXT PRIMARY KEY,
    fields TEXT NOT NULL
) WITHOUT ROWID;
"""


def _lock_database(path: str) -> IO[bytes]:
    """Hold ``<db>.lock``: the in-memory mirror requires one server per database file."""
    try:
        handle = open(path + ".lock", "ab")  # noqa: SIM115  (held open until close())
    except OSError as exc:
        raise ConfigError(f"cannot open the database {path}: {exc.strerror}") from None
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise ConfigError(f"the database {path} is in use by another lq serve") from None
    return handle


def _decode(raw: bytes) -> JsonObject:
    body: JsonObject = orjson.loads(raw)
    return body


class Storage:
    """Objects by class and id, plus each class's field types."""

    def __init__(self, path: str) -> None:
        self._lock: IO[bytes] | None = None
        if path != ":memory:":
            self._lock = _lock_database(path)
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
            if path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise ConfigError(f"cannot open the database {path}: {exc}") from None
        # class -> objectId -> the object's JSON, in creation order.
        self._objects: dict[str, dict[str, bytes]] = {}
        # Each class's objectIds, sorted: REST clients page through large
        # result sets with ``order=objectId`` and ``objectId > last``, and a
        # page must cost what it returns, not a scan of the whole class.
        self._ids: dict[str, list[str]] = {}
        self._schemas: dict[str, dict[str, JsonObject]] = {}
        self._db.text_factory = bytes  # the mirror keeps UTF-8 bytes: no str copy per row
        try:
            for cls, object_id, body in self._db.execute("SELECT class, id, body FROM objects"):
                self._objects.setdefault(cls.decode(), {})[object_id.decode()] = body
        finally:
            self._db.text_factory = str
        for cls, objects in self._objects.items():
            self._ids[cls] = sorted(objects)
        for cls, fields in self._db.execute("SELECT class, fields FROM schemas"):
            self._schemas[cls] = orjson.loads(fields)

    def close(self) -> None:
        """Checkpoint and close; the file is complete and consistent afterwards."""
        try:
            self._db.execute("PRAGMA optimize")
        finally:
            self._db.close()
            if self._lock is not None:
                self._lock.close()

    # -- objects -------------------------------------------------------------

    def get(self, class_name: str, object_id: str) -> JsonObject | None:
        raw = self._objects.get(class_name, {}).get(object_id)
        return None if raw is None else _decode(raw)

    def scan(self, class_name: str) -> Iterator[JsonObject]:
        """Every object of a class, in creation order (lazily decoded; writes may interleave)."""
        for raw in list(self._objects.get(class_name, {}).values()):
            yield _decode(raw)

    def scan_by_id(self, class_name: str, after: str | None = None) -> Iterator[JsonObject]:
        """The class's objects in ``objectId`` order, from the first id greater than ``after``.

        Lazy, so a caller that stops after one page pays for one page. Callers
        must not write to the class while iterating (``find`` runs without
        awaiting, so no write can interleave).
        """
        ids = self._ids.get(class_name, [])
        objects = self._objects.get(class_name, {})
        start = 0 if after is None else bisect.bisect_right(ids, after)
        for index in range(start, len(ids)):
            raw = objects.get(ids[index])
            if raw is not None:
                yield _decode(raw)

    def count(self, class_name: str) -> int:
        return len(self._objects.get(class_name, {}))

    def put(self, class_name: str, body: JsonObject) -> None:
        """Insert or replace one object (as it is now: later changes to ``body`` are not kept)."""
        text = orjson.dumps(body).decode()
        object_id = body["objectId"]
        self._db.execute(
            "INSERT OR REPLACE INTO objects (class, id, body) VALUES (?, ?, ?)",
            (class_name, object_id, text),
        )
        # Encoded again from the str: orjson's own bytes keep its whole (4 KiB) buffer.
        raw = text.encode()
        objects = self._objects.setdefault(class_name, {})
        if object_id not in objects:
            bisect.insort(self._ids.setdefault(class_name, []), object_id)
        objects[object_id] = raw

    def delete(self, class_name: str, object_id: str) -> None:
        self._db.execute("DELETE FROM objects WHERE class = ? AND id = ?", (class_name, object_id))
        if self._objects.get(class_name, {}).pop(object_id, None) is not None:
            ids = self._ids[class_name]
            del ids[bisect.bisect_left(ids, object_id)]

    # -- schemas -------------------------------------------------------------

    def class_names(self) -> list[str]:
        return sorted(set(self._schemas) | {c for c, objs in self._objects.items() if objs})

    def fields(self, class_name: str) -> dict[str, JsonObject] | None:
        return self._schemas.get(class_name)

    def set_fields(self, class_name: str, fields: dict[str, JsonObject]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO schemas (class, fields) VALUES (?, ?)",
            (class_name, orjson.dumps(fields).decode()),
        )
        self._schemas[class_name] = fields

    def drop_class(self, class_name: str) -> None:
        self._db.execute("DELETE FROM schemas WHERE class = ?", (class_name,))
        self._db.execute("DELETE FROM objects WHERE class = ?", (class_name,))
        self._schemas.pop(class_name, None)
        self._objects.pop(class_name, None)
        self._ids.pop(class_name, None)
