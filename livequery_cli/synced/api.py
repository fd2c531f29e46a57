"""``subscribe_synced``: a synced subscription on a client or on the standard API.

``Query.subscribe(snapshot=True, resync=True)`` lands here through
``livequery_cli.client.standard.subscribe``; called directly, it works with a
``LiveQueryClient`` or the global ``LiveQuery`` alike. The REST side is a
``RestClient`` for the same app: given, or asked of the connection (the
standard API's ``LiveQuery.rest_client``), so this layer never imports the
standard API (which imports it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from livequery_cli.client.rest import RestClient
from livequery_cli.protocol.subscribe_query import query_to_json
from livequery_cli.synced.fetch import result_set_fetch
from livequery_cli.synced.start_point import StartPoint
from livequery_cli.synced.synced import SyncedSubscription

__all__ = ["SYNC_OPTIONS", "subscribe_synced"]

SYNC_OPTIONS = frozenset({"snapshot", "resync", "since", "rest"})
"""The options ``Query.subscribe(**options)`` takes for a synced subscription."""

_START_READ_TIMEOUT_S = 10.0


async def subscribe_synced(
    client_or_standard: Any,
    query: Any,
    *,
    snapshot: bool = True,
    resync: bool = True,
    since: datetime | None = None,
    rest: RestClient | None = None,
    session_token: str | None = None,
) -> SyncedSubscription:
    """Subscribe to ``query`` and keep its result set exact (see ``SyncedSubscription``).

    ``client_or_standard`` is a ``LiveQueryClient`` (then ``rest`` is
    required: a client only knows the WebSocket URL) or the standard API's
    ``LiveQuery`` (then ``rest`` defaults to one built from ``configure()``).
    ``since`` narrows the snapshot (and each resync) to objects updated since
    then. The REST client should read as the subscriber does: pass the same
    session token, or the snapshot may show objects the events never will.
    """
    query_json = query_to_json(query)
    owned = None
    if rest is None:
        make_rest = getattr(client_or_standard, "rest_client", None)
        if make_rest is None:
            raise TypeError("pass rest=RestClient(...) to sync a LiveQueryClient's subscription")
        rest = owned = make_rest(session_token)
    fetch = result_set_fetch(
        rest,
        str(query_json["className"]),
        query_json.get("where") or {},
        keys=query_json.get("keys"),
        since=since,
    )
    started_at = None
    if resync and not snapshot and since is None:
        # Read before subscribing: it tells the silent first load's old objects
        # from the ones whose events may yet be lost (see ``SyncEngine``).
        started_at = await _start_point(rest, str(query_json["className"]))
    try:
        sub = await client_or_standard.subscribe(query_json, session_token=session_token)
    except BaseException:
        if owned is not None:
            await owned.close()
        raise
    return SyncedSubscription(
        sub,
        fetch,
        snapshot=snapshot or since is not None,
        resync=resync,
        owned=owned,
        unshown_after=started_at,
    )


async def _start_point(rest: RestClient, class_name: str) -> StartPoint | None:
    """``start_point``, or None when the REST API does not answer in time."""
    import asyncio

    from livequery_cli.exceptions import LiveQueryError
    from livequery_cli.synced.fetch import start_point

    try:
        return await asyncio.wait_for(start_point(rest, class_name), _START_READ_TIMEOUT_S)
    except (LiveQueryError, OSError, TimeoutError, ValueError):
        return None
