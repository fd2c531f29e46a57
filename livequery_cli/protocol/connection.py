"""``ClientProtocol``: the LiveQuery client as a sans-I/O state machine.

It owns everything about the protocol that does not need a socket or a
clock: which frames to send and when, the subscriptions and their request ids,
what each server frame means. The asyncio layer (``livequery_cli.client.live_query_client``)
feeds it socket text (``receive_text``) and lifecycle calls
(``connection_made``/``connection_lost``), writes ``data_to_send()`` to the
socket and acts on ``events_received()``. Keeping I/O out makes every rule
testable with recorded transcripts.

Rules worth knowing:

- ``subscribe`` frames are sent after ``connected`` arrives, not right after
  ``connect``: Parse Server handles ``connect`` asynchronously and rejects a
  ``subscribe`` that overtakes it (code 2).
- After a reconnect every subscription is sent again with its request id,
  current query and its own session token.
- At most one request per subscription is in flight. An ``update`` or
  ``unsubscribe`` asked for while a ``subscribe`` is unconfirmed waits for the
  confirmation: Parse Server runs ``unsubscribe`` synchronously and
  ``subscribe`` asynchronously, so sending both at once reorders them.
- An error frame with ``reconnect: false`` ends its subscription (or, with no
  request id, the connection) for good. An error for a subscription whose
  request is in flight ends it too: that request failed. Errors about the
  keys or the session token (codes 4, 209) while connecting are final
  whatever ``reconnect`` says, because sending the same keys again cannot work.
"""

from __future__ import annotations

import enum
from typing import Any

from livequery_cli.exceptions import InvalidStateError, ProtocolError, server_error
from livequery_cli.parse.errors import AUTH_CODES
from livequery_cli.protocol.events import (
    Connected,
    FrameError,
    ObjectEvent,
    ProtocolEvent,
    ServerErrorEvent,
    Subscribed,
    Unsubscribed,
)
from livequery_cli.protocol.frames import (
    ClientFrame,
    ConnectedFrame,
    ConnectRequest,
    ErrorFrame,
    ObjectFrame,
    ObjectOp,
    SubscribedFrame,
    SubscribeRequest,
    UnsubscribedFrame,
    UnsubscribeRequest,
    UpdateRequest,
    decode_message,
    encode,
    object_event_fields,
    parse_message,
)
from livequery_cli.protocol.subscribe_query import validate_subscribe_query
from livequery_cli.protocol.subscription_state import SubscriptionState

__all__ = ["KEEP", "ClientProtocol", "KeepToken", "State"]


class State(enum.StrEnum):
    """Connection states, named as the Parse JS SDK names them.

    A ``str`` enum: ``client.state == "connected"`` and ``f"{client.state}"``
    read as the name, and ``State.CONNECTED`` works for code that prefers it.
    """

    INITIALIZED = "initialized"  # never connected
    CONNECTING = "connecting"  # socket open, ``connect`` sent, waiting for ``connected``
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # socket lost; a new one is expected
    DISCONNECTED = "disconnected"  # socket lost or refused for good (fatal error, gave up)
    CLOSED = "closed"  # closed by the user


_TERMINAL = (State.DISCONNECTED, State.CLOSED)


class KeepToken(enum.Enum):
    KEEP = "keep"


#: ``update(..., session_token=KEEP)``: leave the subscription's token as it is.
KEEP = KeepToken.KEEP


class ClientProtocol:
    """The LiveQuery client protocol, without I/O."""

    def __init__(
        self,
        application_id: str,
        *,
        javascript_key: str | None = None,
        master_key: str | None = None,
        client_key: str | None = None,
        rest_api_key: str | None = None,
        session_token: str | None = None,
        installation_id: str | None = None,
    ) -> None:
        self._connect_request = ConnectRequest(
            application_id=application_id,
            javascript_key=javascript_key,
            master_key=master_key,
            client_key=client_key,
            rest_api_key=rest_api_key,
            session_token=session_token,
            installation_id=installation_id,
        )
        self._state = State.INITIALIZED
        self._subs: dict[int, SubscriptionState] = {}
        self._next_request_id = 1
        self._outgoing: list[str] = []
        self._events: list[ProtocolEvent] = []
        self.client_id: str | int | None = None

    def __repr__(self) -> str:
        return f"<ClientProtocol {self._state.value} subscriptions={len(self._subs)}>"

    # --- inspection ---------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def request_ids(self) -> list[int]:
        """Request ids of the subscriptions this protocol still tracks."""
        return list(self._subs)

    def is_live(self, request_id: int) -> bool:
        """Whether the server has confirmed the subscription on the current socket."""
        sub = self._subs.get(request_id)
        return sub is not None and sub.live

    def query_version(self, request_id: int) -> int:
        """How many times ``update`` changed the subscription's query."""
        return self._get(request_id).version

    # --- I/O hooks -----------------------------------------------------------

    @property
    def has_data_to_send(self) -> bool:
        """Whether ``data_to_send()`` would return frames (a cheap check per batch)."""
        return bool(self._outgoing)

    def data_to_send(self) -> list[str]:
        """Frames to write to the socket, in order; the buffer is emptied."""
        out, self._outgoing = self._outgoing, []
        return out

    def events_received(self) -> list[ProtocolEvent]:
        """What happened since the last call; the buffer is emptied."""
        out, self._events = self._events, []
        return out

    def connection_made(self) -> None:
        """A socket is open: queue ``connect``."""
        if self._state in _TERMINAL or self._state in (State.CONNECTING, State.CONNECTED):
            raise InvalidStateError(f"cannot connect while {self._state.value}")
        self._state = State.CONNECTING
        self._outgoing.clear()
        self._send(self._connect_request)

    def connection_lost(self, exc: BaseException | None = None) -> None:
        """The socket is gone; subscriptions wait for the next ``connection_made``."""
        del exc  # the reason matters to the I/O layer, not to the protocol
        if self._state in (State.CONNECTING, State.CONNECTED):
            self._state = State.RECONNECTING
        self._outgoing.clear()
        self.client_id = None
        for sub in list(self._subs.values()):
            sub.live = False
            sub.in_flight = False
            sub.unsubscribe_sent = False
            sub.identity_changing = False  # the resubscribe carries the new token
            if sub.unsubscribe_requested:
                # The server forgot it with the socket: that is an unsubscribe.
                del self._subs[sub.request_id]
                self._events.append(Unsubscribed(sub.request_id))

    def give_up(self) -> None:
        """No new socket will come (retries exhausted): the state becomes final."""
        if self._state not in _TERMINAL:
            self._state = State.DISCONNECTED
        self._subs.clear()
        self._outgoing.clear()

    def close(self) -> None:
        """Closed by the user: nothing more is sent, every subscription is dropped."""
        self._state = State.CLOSED
        self._subs.clear()
        self._outgoing.clear()

    # --- user requests ---------------------------------------------------------

    def subscribe(self, query: dict[str, Any], session_token: str | None = None) -> int:
        """Register a subscription and return its request id.

        The ``subscribe`` frame goes out now if connected, else after the next
        ``connected``.
        """
        self._check_open()
        validate_subscribe_query(query)
        request_id = self._next_request_id
        self._next_request_id += 1
        sub = SubscriptionState(request_id, query, session_token)
        self._subs[request_id] = sub
        if self._state is State.CONNECTED:
            self._send_subscribe(sub)
        return request_id

    def update(
        self,
        request_id: int,
        query: dict[str, Any],
        *,
        session_token: str | KeepToken | None = KEEP,
    ) -> int:
        """Replace a subscription's query (and token); returns the new query version.

        Parse's ``update`` carries a ``sessionToken`` too, so the same request
        moves a subscription to another identity without a new request id.
        """
        self._check_open()
        validate_subscribe_query(query)
        sub = self._get(request_id)
        if sub.unsubscribe_requested:
            raise InvalidStateError(f"subscription {request_id} is being unsubscribed")
        if query.get("className") != sub.query.get("className"):
            raise InvalidStateError("update cannot change the subscription's className")
        sub.query = query
        if session_token is not KEEP and session_token != sub.session_token:
            sub.session_token = session_token
            sub.identity_changing = True
        sub.version += 1
        if self._state is State.CONNECTED and sub.live and not sub.in_flight:
            self._send(UpdateRequest(request_id, query, sub.session_token))
            sub.in_flight = True
            sub.sent_version = sub.version
        return sub.version

    def unsubscribe(self, request_id: int) -> None:
        """Ask the server to drop a subscription; ``Unsubscribed`` reports it."""
        sub = self._subs.get(request_id)
        if sub is None or sub.unsubscribe_requested:
            return
        sub.unsubscribe_requested = True
        if self._state is not State.CONNECTED:
            del self._subs[request_id]
            self._events.append(Unsubscribed(request_id))
        elif sub.live and not sub.in_flight:
            self._send(UnsubscribeRequest(request_id))
            sub.unsubscribe_sent = True

    # --- server frames -----------------------------------------------------------

    def receive_text(self, data: str | bytes) -> None:
        """Digest one server frame."""
        if self._state in _TERMINAL:
            return
        try:
            msg = parse_message(data)
            fields = object_event_fields(msg)
            if fields is not None:  # the hot path: no frame object for events
                self._on_object(*fields)
                return
            frame = decode_message(msg)
        except ProtocolError as exc:
            self._events.append(FrameError(exc))
            return
        if isinstance(frame, ObjectFrame):
            self._on_object(frame.request_id, frame.op, frame.object, frame.original)
        elif isinstance(frame, SubscribedFrame):
            self._on_subscribed(frame)
        elif isinstance(frame, ErrorFrame):
            self._on_error(frame)
        elif isinstance(frame, UnsubscribedFrame):
            self._on_unsubscribed(frame)
        else:
            self._on_connected(frame)

    def _on_connected(self, frame: ConnectedFrame) -> None:
        if self._state is not State.CONNECTING:
            self._frame_error(f"unexpected 'connected' while {self._state.value}")
            return
        self._state = State.CONNECTED
        self.client_id = frame.client_id
        self._events.append(Connected(frame.client_id))
        for sub in list(self._subs.values()):
            if sub.unsubscribe_requested:
                del self._subs[sub.request_id]
                self._events.append(Unsubscribed(sub.request_id))
            else:
                self._send_subscribe(sub)

    def _on_subscribed(self, frame: SubscribedFrame) -> None:
        sub = self._subs.get(frame.request_id)
        if sub is None or not sub.in_flight:
            self._frame_error(f"'subscribed' for unknown requestId {frame.request_id}")
            return
        sub.in_flight = False
        sub.live = True
        if sub.sent_version == sub.version:
            sub.identity_changing = False
        first = not sub.confirmed_once
        sub.confirmed_once = True
        if sub.unsubscribe_requested:
            self._send(UnsubscribeRequest(sub.request_id))
            sub.unsubscribe_sent = True
            if first:
                self._events.append(Subscribed(sub.request_id, first, sub.sent_version))
            return
        self._events.append(Subscribed(sub.request_id, first, sub.sent_version))
        if sub.sent_version != sub.version:
            # An update() arrived while the previous request was in flight.
            self._send(UpdateRequest(sub.request_id, sub.query, sub.session_token))
            sub.in_flight = True
            sub.sent_version = sub.version

    def _on_unsubscribed(self, frame: UnsubscribedFrame) -> None:
        rid = frame.request_id
        sub = self._subs.get(rid)
        if sub is None:
            self._frame_error(f"'unsubscribed' for unknown requestId {rid}")
            return
        del self._subs[rid]
        if not sub.unsubscribe_sent and frame.code is not None:
            # The server ended it on its own and said why: a final error for it.
            error = server_error(
                frame.error or "subscription ended by the server",
                code=frame.code,
                reconnect=False,
                request_id=rid,
            )
            self._events.append(ServerErrorEvent(error, rid, fatal=True))
            return
        self._events.append(Unsubscribed(rid))

    def _on_object(
        self,
        request_id: int,
        op: ObjectOp,
        obj: dict[str, Any],
        original: dict[str, Any] | None,
    ) -> None:
        sub = self._subs.get(request_id)
        if sub is None:
            self._frame_error(f"'{op}' event for unknown requestId {request_id}")
            return
        if sub.unsubscribe_requested or sub.identity_changing:
            # The user asked to stop, or to become someone else: what arrives
            # before the server confirms it belongs to the old request.
            return
        self._events.append(ObjectEvent(request_id, op, obj, original))

    def _on_error(self, frame: ErrorFrame) -> None:
        error = server_error(
            frame.error or "server error",
            code=frame.code,
            reconnect=frame.reconnect,
            request_id=frame.request_id,
        )
        rid = frame.request_id
        if rid is not None:
            sub = self._subs.get(rid)
            fatal = sub is not None and (not frame.reconnect or sub.in_flight)
            if sub is not None and fatal:
                del self._subs[rid]
            self._events.append(ServerErrorEvent(error, rid, fatal=fatal))
            return
        if self._state is State.CONNECTING:
            fatal = frame.code in AUTH_CODES or not frame.reconnect
            if fatal:
                self._fail()
            self._events.append(ServerErrorEvent(error, None, fatal=fatal, retry=not fatal))
            return
        fatal = not frame.reconnect
        if fatal:
            self._fail()
        self._events.append(ServerErrorEvent(error, None, fatal=fatal))

    # --- helpers ---------------------------------------------------------------

    def _fail(self) -> None:
        self._state = State.DISCONNECTED
        self._subs.clear()
        self._outgoing.clear()

    def _frame_error(self, reason: str) -> None:
        self._events.append(FrameError(ProtocolError(reason)))

    def _send(self, frame: ClientFrame) -> None:
        self._outgoing.append(encode(frame))

    def _send_subscribe(self, sub: SubscriptionState) -> None:
        self._send(SubscribeRequest(sub.request_id, sub.query, sub.session_token))
        sub.in_flight = True
        sub.sent_version = sub.version

    def _get(self, request_id: int) -> SubscriptionState:
        sub = self._subs.get(request_id)
        if sub is None:
            raise InvalidStateError(f"no subscription with request id {request_id}")
        return sub

    def _check_open(self) -> None:
        if self._state in _TERMINAL:
            raise InvalidStateError(f"the connection is {self._state.value}")
