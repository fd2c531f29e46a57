"""Gap-free live queries: snapshot-then-watch and resync after every reconnect.

Parse's LiveQuery has no resume and no initial result set. This package keeps
a client-side view of a query's result set (``ResultView``, by objectId with
``updatedAt`` versions) and reconciles it with the REST ``find``:

- ``SyncEngine``: the procedure for one subscription (buffer, find, emit the
  snapshot or the differences, replay the buffer de-duplicated, go live);
- ``bind_engine``: wires an engine to a ``Subscription``'s events;
- ``SyncedSubscription`` / ``subscribe_synced``: the library API;
- ``result_set_fetch`` (a ``ResultSetReader``), ``parse_since``,
  ``since_where``: the REST side; a lean view reads it in two passes
  (versions, then objects that differ: ``livequery_cli.sync.lean``).

Names are imported on first use, not here: ``lq tail`` reads ``--since``
with ``parse_since`` before it subscribes, and importing the package must
not bring in the REST client (aiohttp) that the subscription does not wait
for.
"""

from __future__ import annotations

from livequery_cli.lazy_exports import lazy_exports

# Not ``typing.TYPE_CHECKING``: see ``livequery_cli/__init__.py``.
TYPE_CHECKING = False

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "SYNC_OPTIONS": "livequery_cli.sync.api",
    "subscribe_standard": "livequery_cli.sync.api",
    "subscribe_synced": "livequery_cli.sync.api",
    "bind_engine": "livequery_cli.sync.binding",
    "ResyncReport": "livequery_cli.sync.engine",
    "SyncEngine": "livequery_cli.sync.engine",
    "ResultSetReader": "livequery_cli.sync.fetch",
    "parse_since": "livequery_cli.sync.fetch",
    "result_set_fetch": "livequery_cli.sync.fetch",
    "since_where": "livequery_cli.sync.fetch",
    "ResultSetSource": "livequery_cli.sync.lean",
    "SyncedEvent": "livequery_cli.sync.synced",
    "SyncedSubscription": "livequery_cli.sync.synced",
    "ResultView": "livequery_cli.sync.view",
}

__all__ = [
    "SYNC_OPTIONS",
    "ResultSetReader",
    "ResultSetSource",
    "ResultView",
    "ResyncReport",
    "SyncEngine",
    "SyncedEvent",
    "SyncedSubscription",
    "bind_engine",
    "parse_since",
    "result_set_fetch",
    "since_where",
    "subscribe_standard",
    "subscribe_synced",
]

if TYPE_CHECKING:
    from livequery_cli.sync.api import SYNC_OPTIONS, subscribe_standard, subscribe_synced
    from livequery_cli.sync.binding import bind_engine
    from livequery_cli.sync.engine import ResyncReport, SyncEngine
    from livequery_cli.sync.fetch import (
        ResultSetReader,
        parse_since,
        result_set_fetch,
        since_where,
    )
    from livequery_cli.sync.lean import ResultSetSource
    from livequery_cli.sync.synced import SyncedEvent, SyncedSubscription
    from livequery_cli.sync.view import ResultView

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
