"""The standard API: ``configure(...)`` once, then ``Query.subscribe()`` anywhere.

A single shared ``LiveQueryClient`` is opened on the first subscribe and
reused by every later one. ``LiveQuery.close()`` closes it (cancelling any
pending reconnect and ending every subscription); the next subscribe opens a
fresh one. Listeners registered with ``LiveQuery.on`` survive that: they are
attached to whichever client is current.

Session tokens: a subscription uses the ``session_token`` passed to it, else
the one returned by the *current session token provider*. The provider is a
zero-argument callable installed with ``set_current_session_token_provider``
(``livequery_cli.client.user`` installs one returning the logged-in user's token),
so the standard API subscribes as the current user by default, as Parse's
SDK does. It is called at each subscribe, so a login or logout takes effect
for later subscriptions; existing subscriptions keep their token until they
are unsubscribed and subscribed again.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.client.emitter import EventEmitter, Listener
from livequery_cli.client.listener_types import ConnectionListeners
from livequery_cli.client.live_query_client import CLIENT_EVENTS, LiveQueryClient
from livequery_cli.client.subscription import Overflow, Subscription
from livequery_cli.client.transports.interface import redact_url
from livequery_cli.exceptions import ConfigError
from livequery_cli.parse.urls import LIVE_QUERY_SCHEMES, BadUrlError, live_query_url
from livequery_cli.protocol import State

if TYPE_CHECKING:
    from livequery_cli.client.rest import RestClient
    from livequery_cli.synced.synced import SyncedSubscription

__all__ = [
    "Configuration",
    "LiveQuery",
    "LiveQueryController",
    "configuration",
    "configure",
    "current_session_token",
    "live_query_url",
    "rest_client",
    "set_current_session_token_provider",
    "subscribe",
    "switch_identity",
]

SessionTokenProvider = Callable[[], "str | None"]


@dataclass(frozen=True, slots=True)
class Configuration:
    """What ``configure()`` was given: the REST client and the users API build on it too."""

    server_url: str
    application_id: str
    javascript_key: str | None = field(default=None, repr=False)
    master_key: str | None = field(default=None, repr=False)
    live_query_server_url: str = ""


_config: Configuration | None = None
_token_provider: SessionTokenProvider | None = None


def configure(
    server_url: str,
    application_id: str,
    javascript_key: str | None = None,
    master_key: str | None = None,
    live_query_server_url: str | None = None,
) -> None:
    """Set the server the standard API talks to.

    Takes effect for the next connection: call ``await LiveQuery.close()``
    first to move an open connection to a new server.
    """
    global _config
    if not application_id:
        raise ConfigError("application_id is required")
    try:
        live_url = live_query_server_url or live_query_url(server_url)
    except BadUrlError as exc:
        raise ConfigError(str(exc)) from None
    if urlsplit(live_url).scheme not in LIVE_QUERY_SCHEMES:
        raise ConfigError("live_query_server_url must be a ws:// or wss:// URL")
    _config = Configuration(server_url, application_id, javascript_key, master_key, live_url)


def configuration() -> Configuration | None:
    """The settings given to ``configure()``, or None before it is called."""
    return _config


def set_current_session_token_provider(provider: SessionTokenProvider | None) -> None:
    """Install the callable giving the default session token (None removes it)."""
    global _token_provider
    _token_provider = provider


def current_session_token() -> str | None:
    """The default session token for a new subscription, if any."""
    return _token_provider() if _token_provider is not None else None


def rest_client(session_token: str | None = None, *, use_master_key: bool = False) -> RestClient:
    """A REST client for the app ``configure()`` set up, acting with ``session_token``.

    The users API and the gap-free subscriptions both talk to the configured
    app; this is the one place that turns the configuration into a client.
    The master key is sent only when asked for (a user's own requests must
    not be elevated by it).
    """
    from livequery_cli.client.rest import RestClient

    config = _config
    if config is None:
        raise ConfigError("call livequery_cli.configure(server_url, application_id) first")
    return RestClient(
        config.server_url,
        config.application_id,
        javascript_key=config.javascript_key,
        master_key=config.master_key if use_master_key else None,
        session_token=session_token,
    )


class LiveQueryController(ConnectionListeners):
    """The shared connection of the standard API (the global ``LiveQuery``).

    ``on``/``once``/``off`` listen to the shared connection's ``open``,
    ``close``, ``error`` and ``reconnect``; listeners survive ``close()`` and
    apply to the next connection.
    """

    def __init__(self) -> None:
        self._listeners = EventEmitter(CLIENT_EVENTS)
        self._client: LiveQueryClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self.reconnect_policy = ReconnectPolicy()
        self.client_options: dict[str, Any] = {}
        # Subscriptions made without an explicit token follow the current user.
        self._following: weakref.WeakSet[Subscription] = weakref.WeakSet()

    def _listener_target(self) -> EventEmitter:
        return self._listeners

    @property
    def client(self) -> LiveQueryClient | None:
        """The current shared client, if one is open."""
        return self._client

    def rest_client(self, session_token: str | None = None) -> RestClient:
        """The REST side of a gap-free subscription on this connection.

        ``livequery_cli.synced`` asks the connection it subscribes on for its
        REST client (a ``LiveQueryClient`` knows only a WebSocket URL and has
        none), so the gap-free layer needs no knowledge of the standard API.
        """
        return rest_client(session_token or current_session_token(), use_master_key=True)

    async def subscribe(
        self,
        query: Any,
        session_token: str | None = None,
        *,
        max_queue: int | None = None,
        overflow: Overflow | None = None,
    ) -> Subscription:
        """Subscribe on the shared connection, opening it if needed.

        ``max_queue``/``overflow`` choose this subscription's buffer and what
        happens when its consumer falls behind (see ``Subscription``).
        """
        follows_user = session_token is None
        token = session_token if not follows_user else current_session_token()
        client = await self._current_client()
        sub = await client.subscribe(
            query, session_token=token, max_queue=max_queue, overflow=overflow
        )
        if follows_user:
            self._following.add(sub)
        return sub

    async def switch_identity(self, session_token: str | None) -> list[Subscription]:
        """Move every subscription that follows the current user to ``session_token``.

        Each one emits ``close``, is re-subscribed in place with Parse's
        ``update`` op (same request id and query, new token; events still in
        flight for the old identity are dropped) and emits ``open`` once the
        server confirms it. Returns the subscriptions moved, once all are
        confirmed, so no event readable only by the previous identity arrives
        afterwards. Subscriptions made with an explicit token stay as they are.
        """
        client = self._client
        if client is None:
            return []
        live = client.subscriptions
        subs = [s for s in self._following if not s.closed and s in live]
        for sub in subs:
            sub._interrupted()
        await asyncio.gather(
            *(client.update(s, s.query, session_token=session_token) for s in subs)
        )
        return subs

    async def close(self) -> None:
        """Close the shared connection: cancel reconnects, end every subscription."""
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.close()

    async def aclose(self) -> None:
        """``close()``, under the name ``contextlib.aclosing`` calls."""
        await self.close()

    async def __aenter__(self) -> LiveQueryController:
        """``async with lq.LiveQuery:``: the shared connection, closed at the end.

        Nothing is opened here: the first subscribe opens the connection, as
        outside the block. Leaving the block closes it (ending every
        subscription made on it), so a script or an app's lifespan cleans up
        in one statement.
        """
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        """Closes the shared connection."""
        await self.close()

    def __repr__(self) -> str:
        config = _config
        where = (
            "not configured"
            if config is None
            else f"{config.application_id} at {redact_url(config.live_query_server_url)}"
        )
        state = "no connection" if self._client is None else self._client.state.value
        return f"<LiveQuery {where}: {state}>"

    async def _current_client(self) -> LiveQueryClient:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            # A client bound to another (finished) event loop cannot be reused.
            self._client, self._loop, self._lock = None, loop, asyncio.Lock()
        assert self._lock is not None
        async with self._lock:
            client = self._client
            if client is None or client.state in (State.DISCONNECTED, State.CLOSED):
                client = self._client = self._new_client()
            return client

    def _new_client(self) -> LiveQueryClient:
        if _config is None:
            raise ConfigError("call livequery_cli.configure(server_url, application_id) first")
        client = LiveQueryClient(
            _config.application_id,
            _config.live_query_server_url,
            javascript_key=_config.javascript_key,
            master_key=_config.master_key,
            reconnect=self.reconnect_policy,
            **self.client_options,
        )
        for event in CLIENT_EVENTS:
            client.add_listener(event, _forward(self._listeners, event))
        return client


def _forward(target: EventEmitter, event: str) -> Listener:
    def forward(*args: Any) -> None:
        target.emit(event, *args)

    return forward


LiveQuery = LiveQueryController()


async def switch_identity(session_token: str | None) -> list[Subscription]:
    """Re-subscribe the subscriptions that follow the current user (see ``User``)."""
    return await LiveQuery.switch_identity(session_token)


async def subscribe(
    query: Any, session_token: str | None = None, **options: Any
) -> Subscription | SyncedSubscription:
    """``Query.subscribe`` lands here: subscribe on the shared connection.

    Options (``snapshot``, ``resync``, ``since``) ask for a gap-free view, which
    needs the REST API as well: ``livequery_cli.synced`` builds it on top of the
    plain subscription.
    """
    buffering = {k: options.pop(k) for k in ("max_queue", "overflow") if k in options}
    if options:
        from livequery_cli.synced.api import SYNC_OPTIONS, subscribe_synced

        if buffering:
            raise TypeError("max_queue and overflow apply to plain subscriptions only")

        unknown = sorted(set(options) - SYNC_OPTIONS)
        if unknown:
            raise TypeError(f"unexpected subscribe option {unknown[0]!r}")
        return await subscribe_synced(LiveQuery, query, session_token=session_token, **options)
    return await LiveQuery.subscribe(query, session_token=session_token, **buffering)
