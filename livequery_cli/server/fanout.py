"""The LiveQuery hub: who is subscribed to what, and which frame each one gets.

Subscriptions with the same class and ``where`` share one :class:`QueryGroup`
(one compiled matcher, evaluated once per write). Groups are registered in the
matcher's ``SubscriptionIndex``, so a write only evaluates the groups whose
equality constraints it can satisfy: the cost of a write grows with the
subscriptions it may match, not with all subscriptions.

For each candidate subscriber the event is decided exactly as Parse Server
decides it (original matched and readable, current matched and readable),
with Parse's fixes for ACL transitions: a ``leave`` caused by losing read
access carries the last state the subscriber could read, never the new body
(GHSA-97pr-9hgg-3p8r), and an ``enter`` caused by gaining access carries no
``original``. Readability comes from cached identities (no database access
per event). The JSON of ``object``/``original`` is serialized once per
distinct projection and spliced into each recipient's frame, so a broadcast
to N subscribers with the same ``keys`` costs one serialization.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from livequery_cli.matching import (
    Matcher,
    SubscriptionIndex,
    compile_where,
    decide_event,
    project,
    watch_triggers,
)
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import can_read, is_public_read
from livequery_cli.server.documents import event_view
from livequery_cli.server.identity_source import IdentitySource

_EMAIL = frozenset({"email"})
_NOTHING: frozenset[str] = frozenset()


class FrameSink(Protocol):
    """A connected LiveQuery client, as the hub sees it."""

    master: bool
    session_token: str | None

    def frame_prefix(self, op: str) -> str:
        """``{"op":...,"clientId":...[,"installationId":...]`` for this client."""

    def send(self, frame: str) -> None:
        """Queue one text frame (never blocks)."""

    def session_revoked(self, token: str) -> None:
        """Drop the subscriptions that relied on an ended session."""


@dataclass(eq=False, slots=True)
class Subscriber:
    """One (client, requestId) subscription."""

    sink: FrameSink
    request_id: int | float
    group: QueryGroup
    keys: tuple[str, ...] | None = None
    watch: tuple[str, ...] | None = None
    session_token: str | None = None
    request_id_json: str = ""
    cost: int = 0  # estimated bytes held for it (QueryCost.memory), charged to its connection

    def __post_init__(self) -> None:
        self.request_id_json = orjson.dumps(self.request_id).decode()


@dataclass(eq=False, slots=True)
class QueryGroup:
    """All subscribers of one (class, where), sharing one compiled matcher."""

    key: str
    class_name: str
    where: JsonObject
    matcher: Matcher
    subscribers: dict[int, Subscriber] = field(default_factory=dict)


def group_key(class_name: str, where: JsonObject) -> str:
    return class_name + "\x00" + orjson.dumps(where, option=orjson.OPT_SORT_KEYS).decode()


class _Event:
    """One write being fanned out: its views and their serialized projections."""

    __slots__ = ("class_name", "clp", "current", "original", "serialized")

    def __init__(
        self,
        class_name: str,
        current: JsonObject,
        original: JsonObject | None,
        clp: JsonObject | None = None,
    ) -> None:
        self.class_name = class_name
        self.current = current
        self.original = original
        self.clp = clp
        self.serialized: dict[tuple[int, tuple[str, ...] | None, frozenset[str]], str] = {}

    @property
    def serializations(self) -> int:
        return len(self.serialized)

    def json(self, which: int, keys: tuple[str, ...] | None, hidden: frozenset[str]) -> str:
        """``which``: 0 current, 1 original; serialized once per (which, keys, hidden fields)."""
        cache_key = (which, keys, hidden)
        text = self.serialized.get(cache_key)
        if text is None:
            obj = self.current if which == 0 else self.original
            assert obj is not None
            if hidden and not hidden.isdisjoint(obj):
                obj = {k: v for k, v in obj.items() if k not in hidden}
            if keys is not None:
                obj = project(obj, list(keys))
            text = orjson.dumps(obj).decode()
            self.serialized[cache_key] = text
        return text


class LiveQueryHub:
    """Subscriptions, their index, and the fan-out of saves and deletes."""

    def __init__(self, auth: IdentitySource) -> None:
        self.auth = auth
        self.index: SubscriptionIndex[QueryGroup] = SubscriptionIndex()
        self.groups: dict[str, QueryGroup] = {}
        self.sinks: set[FrameSink] = set()
        self.events_sent = 0
        self.serializations = 0
        self.groups_evaluated = 0
        auth.on_revoke(self.revoke_token)

    # -- subscriptions -------------------------------------------------------

    def subscribe(
        self,
        sink: FrameSink,
        request_id: int | float,
        class_name: str,
        where: JsonObject,
        *,
        keys: list[str] | None,
        watch: list[str] | None,
        session_token: str | None,
        matcher: Matcher | None = None,
    ) -> Subscriber:
        """Register a subscription (the caller validated ``where`` already).

        ``matcher``: ``where`` already compiled, used if no group has it yet
        (compiling twice doubled the cost of every subscribe).
        """
        key = group_key(class_name, where)
        group = self.groups.get(key)
        if group is None:
            if matcher is None or matcher.where is not where:
                matcher = compile_where(where)
            group = QueryGroup(key, class_name, where, matcher)
            self.groups[key] = group
            self.index.add(group, class_name, where)
        sub = Subscriber(
            sink,
            request_id,
            group,
            keys=tuple(keys) if keys else None,
            watch=tuple(watch) if watch else None,
            session_token=session_token,
            cost=group.matcher.cost.memory,
        )
        group.subscribers[id(sub)] = sub
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        group = sub.group
        group.subscribers.pop(id(sub), None)
        if not group.subscribers and self.groups.get(group.key) is group:
            del self.groups[group.key]
            self.index.remove(group)

    def revoke_token(self, token: str) -> None:
        """A session ended: end the subscriptions that relied on it (``unsubscribed``, 209)."""
        for sink in list(self.sinks):
            sink.session_revoked(token)

    # -- fan-out -------------------------------------------------------------

    def _candidates(
        self, class_name: str, original: JsonObject | None, current: JsonObject
    ) -> Iterable[QueryGroup]:
        return self.index.candidates(class_name, original, current)

    def _readable(self, acl: Any, sub: Subscriber) -> bool:
        if acl is None or sub.sink.master or is_public_read(acl):
            return True
        for token in (sub.session_token, sub.sink.session_token):
            if token:
                identity = self.auth.identity_for_token(token)
                if identity is not None and can_read(acl, identity):
                    return True
        return False

    def _permitted(self, sub: Subscriber, event: _Event) -> bool:
        """Class-level checks before ACLs; the embedded server has none (a cluster node does)."""
        return True

    def _hidden_fields(self, event: _Event, which: int, sub: Subscriber) -> frozenset[str]:
        """Fields ``sub`` must not see: ``_User.email`` for all but the user and the master key."""
        if event.class_name != "_User" or sub.sink.master:
            return _NOTHING
        obj = event.current if which == 0 else event.original
        owner = obj.get("objectId") if obj else None
        for token in (sub.session_token, sub.sink.session_token):
            if token and self.auth.user_id_for_token(token) == owner:
                return _NOTHING
        return _EMAIL

    def _send(
        self, sub: Subscriber, op: str, event: _Event, obj: int, original: int | None
    ) -> None:
        parts = [
            sub.sink.frame_prefix(op),
            ',"requestId":',
            sub.request_id_json,
            ',"object":',
            event.json(obj, sub.keys, self._hidden_fields(event, obj, sub)),
        ]
        if original is not None:
            parts.append(',"original":')
            parts.append(event.json(original, sub.keys, self._hidden_fields(event, original, sub)))
        parts.append("}")
        sub.sink.send("".join(parts))
        self.events_sent += 1

    def publish_save(
        self,
        class_name: str,
        original: JsonObject | None,
        current: JsonObject,
        clp: JsonObject | None = None,
    ) -> None:
        if not self.groups:
            return
        cur_view = event_view(class_name, current)
        orig_view = event_view(class_name, original) if original is not None else None
        event: _Event | None = None
        cur_acl = current.get("ACL")
        orig_acl = original.get("ACL") if original is not None else None
        for group in self._candidates(class_name, orig_view, cur_view):
            self.groups_evaluated += 1
            orig_match = orig_view is not None and bool(group.matcher(orig_view))
            cur_match = group.matcher(cur_view)
            if not (orig_match or cur_match):
                continue
            if event is None:
                event = _Event(class_name, cur_view, orig_view, clp)
            for sub in list(group.subscribers.values()):
                self._deliver_save(sub, event, orig_match, cur_match, orig_acl, cur_acl)
        if event is not None:
            self.serializations += event.serializations

    def _deliver_save(
        self,
        sub: Subscriber,
        event: _Event,
        orig_match: bool,
        cur_match: bool,
        orig_acl: Any,
        cur_acl: Any,
    ) -> None:
        if not self._permitted(sub, event):
            return
        orig_ok = orig_match and self._readable(orig_acl, sub)
        cur_ok = cur_match and self._readable(cur_acl, sub)
        op = decide_event(orig_ok, cur_ok, event.original is not None)
        if op is None:
            return
        if op in ("update", "create") and not watch_triggers(
            sub.watch, event.current, event.original
        ):
            return
        if op == "update":
            self._send(sub, op, event, 0, 1)
        elif op == "create":
            self._send(sub, op, event, 0, None)
        elif op == "leave":
            # Losing read access must not reveal the new state: send the last readable one.
            still_readable = not cur_match and self._readable(cur_acl, sub)
            self._send(sub, op, event, 0 if still_readable else 1, 1)
        else:
            # Gaining read access: the old state was never readable, so it is not sent.
            was_readable = not orig_match and self._readable(orig_acl, sub)
            self._send(sub, op, event, 0, 1 if was_readable else None)

    def publish_delete(
        self, class_name: str, deleted: JsonObject, clp: JsonObject | None = None
    ) -> None:
        if not self.groups:
            return
        view = event_view(class_name, deleted)
        acl = deleted.get("ACL")
        event: _Event | None = None
        for group in self._candidates(class_name, None, view):
            self.groups_evaluated += 1
            if not group.matcher(view):
                continue
            if event is None:
                event = _Event(class_name, view, None, clp)
            for sub in list(group.subscribers.values()):
                if self._permitted(sub, event) and self._readable(acl, sub):
                    self._send(sub, "delete", event, 0, None)
        if event is not None:
            self.serializations += event.serializations
