"""``LiveQueryClient``: the asyncio client on top of the sans-I/O ``ClientProtocol``.

One background task (the *runner*, ``livequery_cli.client.socket_runner``) owns the
socket: it connects, feeds every received frame to the protocol, and on an
unexpected close waits the ``ReconnectPolicy`` delay and connects again. This
module turns the protocol's events into user-facing ones. User calls
(``subscribe``, ``unsubscribe``, ``update``) only change the protocol and
flush its output; everything that arrives is dispatched by the runner, so
events reach listeners in wire order.

Client events: ``open`` (the server accepted ``connect``), ``close`` (the
socket went away, or ``close()`` was called), ``error`` ``(exception)``
(network errors, connection-level server errors, malformed frames, listener
exceptions), ``reconnect`` ``(attempt, delay)`` just before waiting ``delay``
seconds for reconnect attempt ``attempt``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl as ssl_module
from typing import Any, Self

from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.client.emitter import EventEmitter
from livequery_cli.client.listener_types import ConnectionListeners
from livequery_cli.client.pending import PendingRequests, reject, resolve
from livequery_cli.client.socket_runner import SocketRunner
from livequery_cli.client.subscription import OVERFLOW_POLICIES, Event, Overflow, Subscription
from livequery_cli.client.transports.interface import Connector, redact_url, websocket_connector
from livequery_cli.exceptions import (
    ConfigError,
    InvalidStateError,
    LiveQueryError,
)
from livequery_cli.protocol import (
    ClientProtocol,
    Connected,
    FrameError,
    ObjectEvent,
    ProtocolEvent,
    ServerErrorEvent,
    State,
    Subscribed,
    Unsubscribed,
)
from livequery_cli.protocol.connection import KEEP, KeepToken
from livequery_cli.protocol.subscribe_query import query_to_json

__all__ = ["CLIENT_EVENTS", "LiveQueryClient"]

logger = logging.getLogger("livequery_cli.client")

CLIENT_EVENTS = ("open", "close", "error", "reconnect")
_DEFAULT_POLICY = ReconnectPolicy()
# Yields before emitting a subscription's first ``open``: the task awaiting
# ``subscribe()`` resumes (through a few layers such as ``wait_for``) and can
# register its listeners first.
_HANDOFF_YIELDS = 4


class LiveQueryClient(ConnectionListeners, SocketRunner):  # type: ignore[misc]
    """A connection to one LiveQuery server, with reconnects and resubscribes."""

    def _listener_target(self) -> EventEmitter:
        return self

    def __init__(
        self,
        application_id: str,
        server_url: str,
        javascript_key: str | None = None,
        master_key: str | None = None,
        session_token: str | None = None,
        *,
        installation_id: str | None = None,
        reconnect: ReconnectPolicy | None = _DEFAULT_POLICY,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        close_timeout: float | None = 10.0,
        open_timeout: float | None = 10.0,
        connect_timeout: float | None = 15.0,
        ssl: ssl_module.SSLContext | None = None,
        connect: Connector | None = None,
        max_queue: int = 1024,
        overflow: Overflow = "error",
    ) -> None:
        if not application_id:
            raise ConfigError("application_id is required")
        if not server_url.startswith(("ws://", "wss://")):
            raise ConfigError(
                f"server_url must be a ws:// or wss:// URL, got {redact_url(server_url)!r}"
            )
        self.application_id = application_id
        connector = connect or websocket_connector(
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            open_timeout=open_timeout,
            ssl=ssl,
        )
        protocol = ClientProtocol(
            application_id,
            javascript_key=javascript_key,
            master_key=master_key,
            session_token=session_token,
            installation_id=installation_id,
        )
        policy = reconnect if reconnect is not None else ReconnectPolicy(max_retries=0)
        # open_timeout bounds the WebSocket handshake and, separately, the wait
        # for `connected` after it.
        super().__init__(
            CLIENT_EVENTS, server_url, connector, protocol, policy, open_timeout, connect_timeout
        )
        if overflow not in OVERFLOW_POLICIES:
            raise ConfigError(f"overflow must be one of {', '.join(OVERFLOW_POLICIES)}")
        self._max_queue = max_queue
        self._overflow: Overflow = overflow
        # Set by every consumer that makes room, and whenever a subscription
        # ends: the reader re-checks the overflow policy under backpressure.
        self._room = asyncio.Event()
        self._drops: set[asyncio.Task[None]] = set()
        self._subs: dict[int, Subscription] = {}
        self._pending = PendingRequests()
        self._closing = False

    def __repr__(self) -> str:
        return f"<LiveQueryClient {redact_url(self.server_url)} {self.state.value}>"

    @property
    def state(self) -> State:
        """The connection state, a ``State`` (a ``str`` enum: ``== "connected"`` works)."""
        return self._protocol.state

    @property
    def subscriptions(self) -> list[Subscription]:
        """The live subscriptions of this client."""
        return list(self._subs.values())

    # --- lifecycle ---------------------------------------------------------------

    async def open(self) -> None:
        """Connect; resolves on ``connected``.

        Raises ``AuthError`` if the server refuses the keys, ``TransportError``
        for a URL or TLS setup that cannot work, ``ConnectionFailedError``
        when the first connection is not up within ``connect_timeout``
        (default 15 s) or the reconnect policy gives up.
        """
        if self._closing:
            raise InvalidStateError("the client is closed: make a new one")
        self._start()
        assert self._opened is not None
        await asyncio.shield(self._opened)

    async def close(self) -> None:
        """Close the socket, cancel any pending reconnect, end every subscription."""
        if self._closing:
            await self._wait_runner()
            return
        self._closing = True
        logger.debug("closing the connection to %s", redact_url(self.server_url))
        self._protocol.close()
        started = self._runner is not None
        if self._runner is not None and self._runner is not asyncio.current_task():
            self._runner.cancel()
        transport, self._transport = self._transport, None
        if transport is not None:
            await self._close_transport(transport)
        await self._wait_runner()
        if self._socket_closes:
            await asyncio.wait(self._socket_closes)
        closed = InvalidStateError("the client was closed")
        self._fail_waiters(closed)
        for sub in list(self._subs.values()):
            sub._end(None)
        self._subs.clear()
        self._connected = False
        if started:
            self.emit("close")
        self._finish(None)

    async def aclose(self) -> None:
        """``close()``, under the name ``contextlib.aclosing`` calls."""
        await self.close()

    async def __aenter__(self) -> Self:
        """``async with LiveQueryClient(...) as client``: opens (raising as ``open()`` does)."""
        try:
            await self.open()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Closes the client, however the block was left."""
        await self.close()

    async def wait_closed(self) -> None:
        """Wait until the client is closed; raise what ended it if not ``close()``."""
        await asyncio.shield(self._finished_future())

    # --- subscriptions ---------------------------------------------------------------

    async def subscribe(
        self,
        query: Any,
        session_token: str | None = None,
        *,
        max_queue: int | None = None,
        overflow: Overflow | None = None,
    ) -> Subscription:
        """Subscribe to a ``Query`` (or ``{className, where, keys?, watch?}``).

        Opens the connection if needed and resolves on ``subscribed``; raises
        the typed ``ServerError`` of an error frame for this request.
        ``max_queue`` and ``overflow`` (default: the client's) size this
        subscription's buffer and choose what happens when its consumer falls
        behind (see ``Subscription``).
        """
        query_json = query_to_json(query)
        self._check_usable()
        self._start()
        request_id = self._protocol.subscribe(query_json, session_token)
        sub = Subscription(
            self,
            request_id,
            query_json,
            session_token,
            max_queue=self._max_queue if max_queue is None else max_queue,
            overflow=self._overflow if overflow is None else overflow,
            room=self._room,
        )
        self._subs[request_id] = sub
        waiter = self._pending.subscribe(request_id)
        await self._flush()
        try:
            await asyncio.shield(waiter)
        except asyncio.CancelledError:
            await asyncio.shield(self.unsubscribe(sub))
            raise
        return sub

    async def unsubscribe(self, subscription: Subscription) -> None:
        """End ``subscription``: ``close`` is emitted at once; resolves on ``unsubscribed``."""
        if subscription.closed:
            return
        logger.debug("unsubscribing %d", subscription.request_id)
        request_id = subscription.request_id
        self._protocol.unsubscribe(request_id)
        subscription._end(None)
        if request_id not in self._protocol.request_ids:
            self._forget(request_id)
            return
        waiter = self._pending.unsubscribe(request_id)
        await self._flush()
        await asyncio.shield(waiter)

    async def update(
        self,
        subscription: Subscription,
        query: Any,
        *,
        session_token: str | KeepToken | None = KEEP,
    ) -> None:
        """Replace a live subscription's query (``op: update``); resolves once live.

        ``session_token`` (default: unchanged) moves the subscription to
        another identity in the same step; ``None`` makes it anonymous.
        """
        if subscription.closed:
            raise InvalidStateError("the subscription is closed")
        query_json = query_to_json(query)
        version = self._protocol.update(
            subscription.request_id, query_json, session_token=session_token
        )
        subscription._set_query(query_json)
        if session_token is not KEEP:
            subscription._set_session_token(session_token)
        waiter = self._pending.update(subscription.request_id, version)
        await self._flush()
        await asyncio.shield(waiter)

    # --- the runner ---------------------------------------------------------------

    async def _process_events(self) -> None:
        subs = self._subs
        for event in self._protocol.events_received():
            if type(event) is ObjectEvent:  # the hot path: no coroutine per event
                sub = subs.get(event.request_id)
                if sub is not None:
                    delivered = Event(event.op, event.object, event.original)
                    if not sub._offer(delivered):
                        await self._make_room(sub, delivered)
            else:
                await self._handle(event)

    async def _make_room(self, sub: Subscription, event: Event) -> None:
        """``sub``'s buffer is full: wait (backpressure) or apply its overflow policy.

        The socket is paused while no other subscription is held back by the
        pause (none has an idle consumer or listeners), or for
        ``overflow="wait"``; otherwise the consumer behind is the one that
        pays, so the others never stall.
        """
        room = self._room
        while not sub.closed:
            if not sub._behind:
                sub._push(event)
                return
            if sub.overflow != "wait" and any(
                other._starving for other in self._subs.values() if other is not sub
            ):
                sub._overflowed()
                self._drop(sub)
                return
            room.clear()
            await room.wait()

    def _drop(self, sub: Subscription) -> None:
        """Unsubscribe ``sub`` without waiting: its consumer is gone or behind.

        Called from an iterator being closed (``break``, cancellation, garbage
        collection) or by the reader; the frame goes out from a task of its own.
        """
        if self._closing or sub.request_id not in self._subs:
            sub._end(None)
            return
        request_id = sub.request_id
        self._protocol.unsubscribe(request_id)
        sub._end(None)
        if request_id not in self._protocol.request_ids:
            self._forget(request_id)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # an iterator collected after its loop ended
            return
        if self._protocol.has_data_to_send:
            task = loop.create_task(self._flush())
            self._drops.add(task)
            task.add_done_callback(self._drops.discard)

    async def _handle(self, event: ProtocolEvent) -> None:
        if isinstance(event, Subscribed):
            await self._on_subscribed(event)
        elif isinstance(event, Connected):
            logger.info("connected to %s", redact_url(self.server_url))
            self._established()
            self._connected = True
            if not self._protocol.request_ids:
                self._reset_backoff()
            resolve(self._opened)
            self.emit("open")
        elif isinstance(event, Unsubscribed):
            self._forget(event.request_id)
        elif isinstance(event, ServerErrorEvent):
            self._on_server_error(event)
        elif isinstance(event, FrameError):
            self.emit("error", event.error)

    async def _on_subscribed(self, event: Subscribed) -> None:
        self._reset_backoff()
        sub = self._subs.get(event.request_id)
        if sub is None:
            return
        self._pending.subscribed(event.request_id, event.query_version, first=event.first)
        if event.first:
            logger.debug("subscribed %d (%s)", event.request_id, sub.class_name)
        else:
            logger.info("resubscribed %d (%s)", event.request_id, sub.class_name)
        if event.first:
            sub._confirmed()  # open from the moment subscribe() returns
            for _ in range(_HANDOFF_YIELDS):
                await asyncio.sleep(0)
        if self._protocol.is_live(event.request_id):
            sub._opened()

    def _on_server_error(self, event: ServerErrorEvent) -> None:
        error = event.error
        if event.request_id is None:
            if event.fatal:
                self._emit_final(error)
            else:
                self.emit("error", error)
            if event.fatal:
                self._fail_connection(error)
            elif event.retry:
                self._drop_socket = True
            return
        sub = self._subs.get(event.request_id)
        if sub is None:
            self.emit("error", error)
            return
        if not event.fatal:
            sub._report(error)
            return
        if self._pending.fail_subscribe(event.request_id, error):
            sub._end(error, notify=False)
        else:
            sub._end(error)
        self._forget(event.request_id, error)

    # --- helpers ---------------------------------------------------------------

    def _forget(self, request_id: int, error: LiveQueryError | None = None) -> None:
        """Drop every trace of a finished subscription and release its waiters."""
        sub = self._subs.pop(request_id, None)
        if sub is not None:
            sub._end(error)
        outcome = error or InvalidStateError("the subscription was unsubscribed")
        self._pending.finished(request_id, outcome)

    def _fail_connection(self, error: LiveQueryError) -> None:
        """A final error: no reconnect; every waiter and subscription gets ``error``."""
        self._failure = error
        if self._protocol.state is not State.DISCONNECTED:
            self._protocol.give_up()
        self._drop_socket = True
        for sub in list(self._subs.values()):
            # A subscribe still waiting raises the error: nobody listens on its
            # subscription yet, so it is not emitted there too.
            waited = self._pending.fail_subscribe(sub.request_id, error)
            sub._end(error, notify=not waited)
        self._subs.clear()
        self._fail_waiters(error)

    def _has_waiters(self) -> bool:
        return super()._has_waiters() or self._pending.has_waiters()

    def _socket_lost(self) -> None:
        for sub in list(self._subs.values()):
            sub._interrupted()

    def _fail_waiters(self, error: LiveQueryError) -> None:
        reject(self._opened, error)
        self._pending.fail_all(error)

    def _check_usable(self) -> None:
        """Raise ``InvalidStateError`` once closed, or the error that ended the client."""
        if self._closing:
            raise InvalidStateError("the client is closed")
        if self._failure is not None:
            raise InvalidStateError(f"the client has failed: {self._failure}") from self._failure
