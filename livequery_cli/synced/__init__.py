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
  (versions, then objects that differ: ``livequery_cli.synced.lean``).

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
    "SYNC_OPTIONS": "livequery_cli.synced.api",
    "subscribe_synced": "livequery_cli.synced.api",
    "bind_engine": "livequery_cli.synced.binding",
    "ResyncReport": "livequery_cli.synced.engine",
    "SyncEngine": "livequery_cli.synced.engine",
    "ResultSetReader": "livequery_cli.synced.fetch",
    "parse_since": "livequery_cli.synced.fetch",
    "result_set_fetch": "livequery_cli.synced.fetch",
    "since_where": "livequery_cli.synced.fetch",
    "ResultSetSource": "livequery_cli.synced.lean",
    "SyncedEvent": "livequery_cli.synced.synced",
    "SyncedSubscription": "livequery_cli.synced.synced",
    "ResultView": "livequery_cli.synced.view",
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
    "subscribe_synced",
]

if TYPE_CHECKING:
    from livequery_cli.synced.api import SYNC_OPTIONS, subscribe_synced
    from livequery_cli.synced.binding import bind_engine
    from livequery_cli.synced.engine import ResyncReport, SyncEngine
    from livequery_cli.synced.fetch import (
        ResultSetReader,
        parse_since,
        result_set_fetch,
        since_where,
    )
    from livequery_cli.synced.lean import ResultSetSource
    from livequery_cli.synced.synced import SyncedEvent, SyncedSubscription
    from livequery_cli.synced.view import ResultView

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
