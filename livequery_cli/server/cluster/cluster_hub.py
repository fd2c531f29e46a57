"""The LiveQuery hub of a cluster node: the embedded hub plus Parse's class-level rules.

Matching, event decisions, ACL checks, ordering and serialization are the
embedded server's (:class:`~livequery_cli.server.fanout.LiveQueryHub`). A
cluster node adds what a Parse Server app can configure and the embedded
server cannot: CLPs, pointer permissions and ``protectedFields``, taken from
the ``classLevelPermissions`` Parse publishes with each event, else from
``GET /schemas`` (:class:`ClassPermissions`).

Failing closed: when a subscriber's identity or a class's permissions are
unknown (the Parse Server did not answer), its events are withheld and the
client is remembered in :attr:`ClusterHub.withheld`; the node closes those
connections with "service restart" once the Parse Server answers again, so
the clients resync instead of silently missing events.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.cluster import permissions
from livequery_cli.server.cluster.parse_identity import ParseIdentity
from livequery_cli.server.cluster.parse_rest import ParseRest
from livequery_cli.server.fanout import FrameSink, LiveQueryHub, Subscriber, _Event

#: The ``classLevelPermissions`` of an event whose permissions could not be fetched.
UNAVAILABLE: JsonObject = {"find": {}, "get": {}}


class ClassPermissions:
    """``classLevelPermissions`` per class: the latest published, else ``GET /schemas``."""

    def __init__(
        self, rest: ParseRest, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rest = rest
        self.ttl = ttl
        self._clock = clock
        self._known: dict[str, tuple[float, JsonObject | None]] = {}

    def remember(self, class_name: str, clp: JsonObject | None) -> None:
        self._known[class_name] = (self._clock(), clp)

    def cached(self, class_name: str) -> tuple[bool, JsonObject | None]:
        """(known, clp): known is False when the class's permissions are missing or too old."""
        entry = self._known.get(class_name)
        if entry is None or self._clock() - entry[0] > self.ttl:
            return False, None
        return True, entry[1]

    async def get(self, class_name: str) -> JsonObject | None:
        """The class's CLP (fetched when not cached); raises ``ParseUnavailable``."""
        known, clp = self.cached(class_name)
        if known:
            return clp
        clp = await self.rest.class_permissions(class_name)
        self.remember(class_name, clp)
        return clp


def _tokens(sub: Subscriber) -> tuple[str | None, str | None]:
    return sub.session_token, sub.sink.session_token


class ClusterHub(LiveQueryHub):
    """:class:`LiveQueryHub` with CLPs, pointer permissions and protected fields."""

    auth: ParseIdentity

    def __init__(self, identity: ParseIdentity, perms: ClassPermissions) -> None:
        super().__init__(identity)
        self.perms = perms
        self.withheld: set[FrameSink] = set()
        self.events_withheld = 0

    def _withhold(self, sink: FrameSink) -> bool:
        self.withheld.add(sink)
        self.events_withheld += 1
        return False

    def _user_of(self, sub: Subscriber) -> tuple[bool, str | None]:
        """(known, user id) of the token CLPs use: the subscription's, else the connection's."""
        token = sub.session_token or sub.sink.session_token
        if not token:
            return True, None
        if self.auth.is_unknown(token):
            return False, None
        return True, self.auth.user_id_for_token(token)

    def _permitted(self, sub: Subscriber, event: _Event) -> bool:
        if sub.sink.master:
            return True
        clp = event.clp
        if clp is UNAVAILABLE:
            return self._withhold(sub.sink)
        if not clp:
            return True
        op = permissions.operation(sub.group.where)
        known, user_id = self._user_of(sub)
        if known:
            return permissions.event_allowed(clp, op, user_id, event.current)
        # Unknown identity: only what does not depend on it may pass.
        if not permissions.event_allowed(clp, op, None, event.current):
            return self._withhold(sub.sink)
        if permissions.depends_on_identity(clp):
            return self._withhold(sub.sink)
        return True

    def _readable(self, acl: Any, sub: Subscriber) -> bool:
        if super()._readable(acl, sub):
            return True
        if any(self.auth.is_unknown(token) for token in _tokens(sub)):
            return self._withhold(sub.sink)
        return False

    def _hidden_fields(self, event: _Event, which: int, sub: Subscriber) -> frozenset[str]:
        hidden = super()._hidden_fields(event, which, sub)
        clp = event.clp
        if sub.sink.master or not clp or "protectedFields" not in clp:
            return hidden
        _known, user_id = self._user_of(sub)
        token = sub.session_token or sub.sink.session_token
        identity = self.auth.identity_for_token(token) if token else None
        roles = identity.roles if identity is not None else frozenset()
        obj = event.current if which == 0 else event.original
        protected = permissions.protected_fields(clp, event.class_name, obj, user_id, roles)
        return hidden | protected if protected else hidden
