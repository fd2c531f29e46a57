"""A LiveQuery connection on a cluster node: the embedded protocol plus Parse's CLP checks.

Before a ``subscribe``/``update`` frame is handled, :func:`prefetch` fetches
what its checks need from the Parse Server (the session tokens' identities,
the class's permissions), so the handling itself stays synchronous and in
frame order. When the Parse Server cannot answer, the frame is refused with
code 100 and ``reconnect: true`` (the client may retry), never accepted on a
guess.
"""

from __future__ import annotations

from typing import Any

import orjson

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.server.cluster import permissions
from livequery_cli.server.cluster.cluster_hub import ClusterHub
from livequery_cli.server.cluster.parse_rest import ParseUnavailable
from livequery_cli.server.documents import CLASS_NAME
from livequery_cli.server.live_query import LiveConnection

UNREACHABLE = "The Parse Server could not be reached to check this subscription; try again"


class ClusterConnection(LiveConnection):
    """:class:`LiveConnection` that also enforces CLPs and protected fields at subscribe."""

    __slots__ = ()
    hub: ClusterHub

    def _subscribe(self, frame: dict[str, Any]) -> None:
        if self.client_id is not None and not self.master:
            query = frame["query"]
            class_name: str = query["className"]
            where = query["where"]
            request_id = frame["requestId"]
            known, clp = self.hub.perms.cached(class_name)
            if not known:
                self.send_error(
                    ErrorCode.CONNECTION_FAILED, UNREACHABLE, reconnect=True, request_id=request_id
                )
                return
            token = frame.get("sessionToken") or self.session_token
            user_id = self.hub.auth.user_id_for_token(token) if token else None
            try:
                # Parse checks a subscription as a ``find`` whatever its where (it reads
                # the operation off the whole query object); events use ``get`` for a
                # where on ``objectId`` alone.
                permissions.check_subscribe(clp, "find", user_id)
                protected = permissions.protected_fields(
                    clp, class_name, None, user_id, frozenset()
                )
                asked = permissions.where_fields(where)
                asked |= {f.split(".")[0] for f in query.get("watch") or []}
                asked |= set(query.get("watch") or [])
                if protected & asked:
                    raise permissions.PermissionDenied(ErrorCode.OPERATION_FORBIDDEN)
            except permissions.PermissionDenied as exc:
                self.send_error(
                    exc.code, permissions.PERMISSION_DENIED, reconnect=False, request_id=request_id
                )
                return
        super()._subscribe(frame)


async def prefetch(conn: LiveConnection, text: str) -> bool:
    """Fetch what a ``subscribe``/``update`` frame's checks need; False if it was refused."""
    try:
        frame = orjson.loads(text)
    except orjson.JSONDecodeError:
        return True
    if not isinstance(frame, dict) or frame.get("op") not in ("subscribe", "update"):
        return True
    hub = conn.hub
    assert isinstance(hub, ClusterHub)
    query = frame.get("query")
    class_name = query.get("className") if isinstance(query, dict) else None
    try:
        for token in (frame.get("sessionToken"), conn.session_token):
            if isinstance(token, str) and token:
                await hub.auth.ensure(token)
        if (
            conn.client_id is not None
            and not conn.master
            and isinstance(class_name, str)
            and CLASS_NAME.match(class_name)
        ):
            await hub.perms.get(class_name)
    except ParseUnavailable:
        request_id = frame.get("requestId")
        valid_id = isinstance(request_id, int | float) and not isinstance(request_id, bool)
        conn.send_error(
            ErrorCode.CONNECTION_FAILED,
            UNREACHABLE,
            reconnect=True,
            request_id=request_id if valid_id else None,
        )
        return False
    return True
