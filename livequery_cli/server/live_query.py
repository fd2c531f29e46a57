"""One LiveQuery WebSocket: the protocol state of a client.

A client must ``connect`` (keys checked, error 4 otherwise) before it may
``subscribe``, ``update`` or ``unsubscribe`` (error 2). Frames that fail the
request schema get error 1 and the connection lives on; nothing a client
sends is allowed to raise out of the handler. Outgoing frames go through the
connection's bounded queue (``frame_outbox``), so the fan-out never waits on
a slow socket.

An idle connection is the common case (thousands per server), so it holds as
little as it can: ``__slots__`` instead of an instance dict and no dicts
until they get an entry (the queue and its writer follow the same rule).

What the subscriptions themselves hold is bounded too: each query is
measured before it is compiled (too large: error 102, as REST ``find``
answers), and its estimated memory is charged against the connection's
``subscription_memory`` budget; a subscribe that would go over it gets error
155 (Parse's ``REQUEST_LIMIT_EXCEEDED``) and changes nothing.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from typing import Any

import orjson
from aiohttp import web

from livequery_cli.exceptions import QueryError
from livequery_cli.matching import Matcher, compile_where, measure_where
from livequery_cli.parse.errors import ErrorCode
from livequery_cli.server.fanout import LiveQueryHub, Subscriber
from livequery_cli.server.frame_outbox import FrameOutbox
from livequery_cli.server.request_schema import FrameError, validate_frame
from livequery_cli.server.server_config import ServerConfig

log = logging.getLogger("livequery_cli.server")

_CLIENT_KEY_FIELDS = ("javascriptKey", "clientKey", "windowsKey", "restAPIKey")
_PROTECTED_QUERY_FIELDS = frozenset({"password", "authData", "sessionToken", "_hashed_password"})


def _same(given: Any, expected: str | None) -> bool:
    return (
        isinstance(given, str)
        and expected is not None
        and hmac.compare_digest(given.encode(), expected.encode())
    )


def _mib(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"


def _where_fields(where: Any) -> set[str]:
    """Root field names a ``where`` constrains, through ``$and``/``$or``/``$nor``."""
    fields: set[str] = set()
    if isinstance(where, dict):
        for key, value in where.items():
            if key in ("$and", "$or", "$nor") and isinstance(value, list):
                for sub in value:
                    fields |= _where_fields(sub)
            else:
                fields.add(key.split(".")[0])
    return fields


class LiveConnection(FrameOutbox):
    """Protocol state of one WebSocket client (its queue: FrameOutbox; liveness: SweptSocket)."""

    __slots__ = (
        "_ended",
        "_prefixes",
        "client_id",
        "hub",
        "installation_id",
        "master",
        "session_token",
        "subscriptions",
    )

    def __init__(self, ws: web.WebSocketResponse, hub: LiveQueryHub, config: ServerConfig) -> None:
        super().__init__(ws, config)
        self.hub = hub
        self.client_id: str | None = None
        self.master = False
        self.session_token: str | None = None
        self.installation_id: str | None = None
        self.subscriptions: dict[int | float, Subscriber] = {}
        # requestIds the server ended (session over): a later unsubscribe of one is answered
        # ``unsubscribed``, not error 2, which would make the JS SDK reconnect. Insertion
        # ordered and bounded, oldest forgotten first. None until the first one.
        self._ended: dict[int | float, None] | None = None
        self._prefixes: dict[str, str] | None = None  # frame heads by op, made on first use

    # -- outgoing ------------------------------------------------------------

    def frame_prefix(self, op: str) -> str:
        """The start of this client's ``op`` frames (kept: every event of that op reuses it)."""
        prefixes = self._prefixes
        if prefixes is None:
            prefixes = self._prefixes = {}
        prefix = prefixes.get(op)
        if prefix is None:
            prefix = prefixes[op] = self._frame_head(op)
        return prefix

    def _frame_head(self, op: str) -> str:
        head: dict[str, Any] = {"op": op, "clientId": self.client_id}
        if self.installation_id is not None:
            head["installationId"] = self.installation_id
        return orjson.dumps(head).decode()[:-1]

    def send_json(self, frame: dict[str, Any]) -> None:
        if self.installation_id is not None and "installationId" not in frame:
            frame["installationId"] = self.installation_id
        self.send(orjson.dumps(frame).decode())

    def send_error(
        self, code: int, message: str, *, reconnect: bool, request_id: int | float | None = None
    ) -> None:
        # Parse's error frames carry neither clientId nor installationId.
        frame = {
            "op": "error",
            "error": message,
            "code": code,
            "reconnect": reconnect,
            "requestId": request_id,
        }
        self.send(orjson.dumps(frame).decode())

    # -- incoming ------------------------------------------------------------

    def handle_text(self, text: str) -> None:
        try:
            frame = orjson.loads(text)
        except orjson.JSONDecodeError:
            self.send_error(1, "Invalid JSON in request", reconnect=True)
            return
        try:
            op = validate_frame(frame)
        except FrameError as exc:
            self.send_error(1, str(exc), reconnect=True)
            return
        if op == "connect":
            self._connect(frame)
        elif op in ("subscribe", "update"):
            self._subscribe(frame)
        else:
            self._unsubscribe(frame)

    def _connect(self, frame: dict[str, Any]) -> None:
        if self.client_id is not None:
            self.send_error(1, "This client is already connected", reconnect=False)
            return
        config = self.config
        keys_ok = _same(frame.get("applicationId"), config.app_id)
        master = "masterKey" in frame and _same(frame["masterKey"], config.master_key)
        if "masterKey" in frame and not master:
            keys_ok = False
        if keys_ok and config.js_key is not None and not master:
            keys_ok = any(_same(frame.get(f), config.js_key) for f in _CLIENT_KEY_FIELDS)
        if not keys_ok:
            self.send_error(4, "Key in request is not valid", reconnect=True)
            return
        self.installation_id = frame.get("installationId")
        self.session_token = frame.get("sessionToken") or None
        self.master = master
        self.client_id = str(uuid.uuid4())
        self.hub.sinks.add(self)
        self.send(self._frame_head("connected") + "}")  # once: not worth keeping

    def _subscribe(self, frame: dict[str, Any]) -> None:
        request_id = frame["requestId"]
        if self.client_id is None:
            self.send_error(
                2,
                "Can not find this client, make sure you connect to server before subscribing",
                reconnect=True,
            )
            return
        query = frame["query"]
        class_name: str = query["className"]
        where: dict[str, Any] = query["where"]
        if request_id not in self.subscriptions and (
            len(self.subscriptions) >= self.config.max_subscriptions
        ):
            self.send_error(
                1,
                f"Too many subscriptions on one connection (limit {self.config.max_subscriptions})",
                reconnect=False,
                request_id=request_id,
            )
            return
        token = frame.get("sessionToken") or None
        for candidate in (token, self.session_token):
            if candidate and self.hub.auth.identity_for_token(candidate) is None:
                self.send_error(
                    209, "Invalid session token", reconnect=False, request_id=request_id
                )
                return
        matcher = self._compile_within_budget(request_id, where)
        if matcher is None:
            return
        if class_name == "_Installation" and not self.master:
            # As REST ``find``: listing devices (and their push tokens) is master-key only.
            self.send_error(
                ErrorCode.OPERATION_FORBIDDEN,
                "Clients aren't allowed to subscribe to the installation collection.",
                reconnect=False,
                request_id=request_id,
            )
            return
        if not self.master and class_name in ("_User", "_Session"):
            asked = _where_fields(where) | set(query.get("watch") or [])
            protected = _PROTECTED_QUERY_FIELDS | ({"email"} if class_name == "_User" else set())
            if asked & protected:
                self.send_error(119, "Permission denied", reconnect=False, request_id=request_id)
                return
        if class_name == "_Session" and not self.master:
            user_id = None
            for candidate in (token, self.session_token):
                if candidate and user_id is None:
                    user_id = self.hub.auth.user_id_for_token(candidate)
            if user_id is None:
                self.send_error(
                    209, "Invalid session token", reconnect=False, request_id=request_id
                )
                return
            where = {
                "$and": [
                    where,
                    {"user": {"__type": "Pointer", "className": "_User", "objectId": user_id}},
                ]
            }
            matcher = self._compile_within_budget(request_id, where)
            if matcher is None:
                return
        previous = self.subscriptions.pop(request_id, None)
        if previous is not None:
            self.hub.unsubscribe(previous)
        if self._ended is not None:
            self._ended.pop(request_id, None)
        self.subscriptions[request_id] = self.hub.subscribe(
            self,
            request_id,
            class_name,
            where,
            keys=query.get("keys"),
            watch=query.get("watch"),
            session_token=token,
            matcher=matcher,
        )
        self.send_json({"op": "subscribed", "clientId": self.client_id, "requestId": request_id})

    def _compile_within_budget(self, request_id: int | float, where: Any) -> Matcher | None:
        """``where`` compiled, or ``None`` after an error frame: too large (102) or over budget.

        The query is measured before it is compiled, and what its subscription
        would hold is charged against the connection's budget together with
        its other subscriptions (one replaced by this ``requestId`` excepted).
        """
        try:
            cost = measure_where(where)
        except QueryError as exc:
            self.send_error(
                ErrorCode.INVALID_QUERY, str(exc), reconnect=False, request_id=request_id
            )
            return None
        held = sum(sub.cost for rid, sub in self.subscriptions.items() if rid != request_id)
        budget = self.config.subscription_memory
        if held + cost.memory > budget:
            self.send_error(
                ErrorCode.REQUEST_LIMIT_EXCEEDED,
                f"Subscriptions on this connection would hold about {_mib(held + cost.memory)} "
                f"of server memory, more than the maximum allowed {_mib(budget)}",
                reconnect=False,
                request_id=request_id,
            )
            return None
        try:
            return compile_where(where, cost)
        except QueryError as exc:
            self.send_error(
                ErrorCode.INVALID_QUERY, str(exc), reconnect=False, request_id=request_id
            )
            return None

    def _unsubscribe(self, frame: dict[str, Any]) -> None:
        request_id = frame["requestId"]
        if self.client_id is None:
            self.send_error(
                2,
                "Can not find this client, make sure you connect to server before unsubscribing",
                reconnect=True,
            )
            return
        sub = self.subscriptions.pop(request_id, None)
        ended = self._ended
        if sub is None and ended is not None and request_id in ended:
            del ended[request_id]
            self.send_json(
                {"op": "unsubscribed", "clientId": self.client_id, "requestId": request_id}
            )
            return
        if sub is None:
            self.send_error(
                2,
                f"Cannot find subscription with clientId {self.client_id} subscriptionId "
                f"{request_id}. Make sure you subscribe to live query server before "
                "unsubscribing.",
                reconnect=True,
            )
            return
        self.hub.unsubscribe(sub)
        self.send_json({"op": "unsubscribed", "clientId": self.client_id, "requestId": request_id})

    def session_revoked(self, token: str) -> None:
        """End every subscription that relied on an ended session, with ``unsubscribed``.

        Not an ``error`` frame: the JS SDK turns any error frame that reaches a
        client in the middle of ``close()`` into an unhandled promise rejection,
        which ends a Node process. ``unsubscribed`` is safe in every official SDK
        (JS, Swift and Android drop the subscription; Swift and Android call the
        app's unsubscribe handler), and its extra ``code``/``error`` (209) tell
        clients that read them why the server ended it.
        """
        for request_id, sub in list(self.subscriptions.items()):
            # A subscription with a token of its own keeps running on it; it only loses
            # what the connection's token added, which the identity cache forgets anyway.
            if (sub.session_token or self.session_token) == token:
                del self.subscriptions[request_id]
                self.hub.unsubscribe(sub)
                self._remember_ended(request_id)
                self.send_json(
                    {
                        "op": "unsubscribed",
                        "clientId": self.client_id,
                        "requestId": request_id,
                        "code": ErrorCode.INVALID_SESSION_TOKEN,
                        "error": "Invalid session token",
                    }
                )
        if self.session_token == token:
            self.session_token = None

    def _remember_ended(self, request_id: int | float) -> None:
        ended = self._ended
        if ended is None:
            ended = self._ended = {}
        ended[request_id] = None
        while len(ended) > self.config.max_subscriptions:
            del ended[next(iter(ended))]

    def detach(self) -> None:
        """Forget every subscription of this client (the socket is gone)."""
        self._closing = True
        for sub in self.subscriptions.values():
            self.hub.unsubscribe(sub)
        self.subscriptions.clear()
        self.hub.sinks.discard(self)
