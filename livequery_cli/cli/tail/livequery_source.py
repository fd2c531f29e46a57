"""The ``EventSource`` that feeds ``lq tail`` from a ``LiveQueryClient``.

This is the only CLI module that knows the client's API: it turns client and
subscription events into ``deliver`` calls and status lines, and decides
which errors end the run (the client already retries what can be retried).
Events are taken through listeners, not the async iterator: a listener runs
inside the client's frame loop, so rendering happens without a queue hop and
the event writer's "flush when nothing else is waiting" rule holds. A
``SyncStage`` (snapshot, resync) is bound in between when one is given, and
several LiveQuery URLs make the client fail over between them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import orjson

from livequery_cli.cli.output.event_record import EVENT_TYPES
from livequery_cli.cli.query_input import SubscribeQuery
from livequery_cli.cli.tail.status_line import StatusReporter
from livequery_cli.client.pending import retrieve_exception
from livequery_cli.exceptions import (
    AuthError,
    ConnectionFailedError,
    InvalidStateError,
    LiveQueryError,
    ServerError,
)

if TYPE_CHECKING:
    import ssl

    from livequery_cli.cli.settings.profiles import Settings
    from livequery_cli.cli.tail.resync_stage import SyncStage
    from livequery_cli.cli.tail.runner import Deliver
    from livequery_cli.cli.tail.stats import TailStats
    from livequery_cli.client.live_query_client import LiveQueryClient
    from livequery_cli.client.subscription import Subscription


def describe_query(query: SubscribeQuery) -> str:
    """`` where {...}`` for the ``subscribed`` status line (empty for "everything")."""
    parts = []
    if query.where:
        parts.append(" where " + orjson.dumps(query.where).decode())
    if query.keys:
        parts.append(" keys " + ",".join(query.keys))
    if query.watch:
        parts.append(" watch " + ",".join(query.watch))
    return "".join(parts)


class LiveQuerySource:
    """Connects, subscribes each query, and reports connection changes."""

    def __init__(
        self,
        *,
        settings: Settings,
        queries: Sequence[SubscribeQuery],
        status: StatusReporter,
        max_retries: int | None = None,
        max_backoff: float = 5.0,
        urls: Sequence[str] | None = None,
        sync: Callable[[Callable[[BaseException], None]], SyncStage] | None = None,
        status_event: Callable[..., None] | None = None,
        stats: TailStats | None = None,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._settings = settings
        self._tls = tls
        self._urls = list(urls or [settings.live_query_url])
        self._make_sync = sync
        self._sync: SyncStage | None = None
        self._status_event = status_event or _ignore
        self._stats = stats
        self._queries = list(queries)
        self._status = status
        self._max_retries = max_retries
        self._max_backoff = max_backoff
        self._client: LiveQueryClient | None = None
        self._subs: list[Subscription] = []
        self._last_problem = "connection closed"
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False
        self._session_check: asyncio.Future[None] | None = None
        self._class_check: asyncio.Future[None] | None = None

    def _make_client(self) -> LiveQueryClient:
        from livequery_cli.cli.tail.failover_urls import FailoverConnector
        from livequery_cli.client.backoff import ReconnectPolicy
        from livequery_cli.client.live_query_client import LiveQueryClient
        from livequery_cli.client.transports.interface import websocket_connector

        settings = self._settings
        app_id = settings.get("app_id")
        assert app_id is not None
        # The CLI reads proxy settings from its injected environment, not os.environ.
        connect = websocket_connector(
            ssl=self._tls, proxy=settings.get("proxy"), proxy_env=settings.env
        )
        connector = None
        if len(self._urls) > 1:
            connector = FailoverConnector(self._urls, connect)
        client = LiveQueryClient(
            app_id,
            self._urls[0],
            javascript_key=settings.get("js_key"),
            master_key=settings.get("master_key"),
            session_token=settings.get("session_token"),
            reconnect=ReconnectPolicy(max_retries=self._max_retries, max_delay=self._max_backoff),
            # `lq tail` waits for a server that is not up yet; --max-retries bounds it.
            connect_timeout=None,
            connect=connector or connect,
            ssl=self._tls,
        )
        if connector is not None:
            connector.client = client
        return client

    async def start(self, deliver: Deliver, fail: Callable[[BaseException], None]) -> None:
        try:
            client = self._make_client()
        except ValueError as exc:
            from livequery_cli.exceptions import ConfigError

            raise ConfigError(str(exc)) from None
        self._client = client
        status = self._status
        status_event = self._status_event
        stats = self._stats
        opened = 0

        def on_error(error: BaseException) -> None:
            self._last_problem = str(error)
            if self._stopping:
                return
            if isinstance(error, (ConnectionFailedError, AuthError)):
                fail(error)
            elif not status.ever_connected or status.disconnected:
                status.attempt_failed(str(error))

        def on_open() -> None:
            nonlocal opened
            opened += 1
            if stats is not None and opened > 1:
                stats.reconnects += 1
            url = _display_url(client.server_url)
            status.connected(url)
            status_event("connected", url=url)

        client.on("open", on_open)
        client.on("close", self._on_close)
        client.on("reconnect", lambda attempt, delay: status.reconnecting(delay, attempt))
        client.on("error", on_error)
        opening: asyncio.Future[None] | None = None
        if self._make_sync is not None:
            self._sync = self._make_sync(fail)
            # Before the first subscribe: it reads where the tail starts, while
            # the socket connects (the subscription starts only at subscribe).
            opening = asyncio.ensure_future(client.open())
            # ``start`` or ``subscribe`` reports its outcome.
            opening.add_done_callback(retrieve_exception)
            await self._sync.prepare(self._queries)
            failure = opening.exception() if opening.done() and not opening.cancelled() else None
            if failure is not None:
                # Given up already (a bad URL, say): the error subscribe would have raised.
                raise failure
        if stats is not None:
            stats.start()
        for index, query in enumerate(self._queries):
            try:
                sub = await client.subscribe(query.to_subscribe_query())
            except InvalidStateError as exc:
                # The socket failed for good while the start version was read (the
                # opening task may not have reported it yet): report what failed (a
                # bad URL, refused keys), as subscribe itself does when it opens.
                if isinstance(exc.__cause__, LiveQueryError):
                    raise exc.__cause__ from None
                if opening is not None:
                    await asyncio.wait([opening])
                    if not opening.cancelled() and opening.exception() is not None:
                        raise opening.exception() from None  # type: ignore[misc]
                raise
            self._subs.append(sub)
            self._bind(sub, index, query, deliver, fail)
        if self._settings.get("session_token"):
            # After the subscribes: the check brings in the REST stack, whose
            # import would otherwise hold the subscribe frames back.
            self._session_check = asyncio.ensure_future(self._check_session(fail))
        if self._settings.get("master_key"):
            from livequery_cli.cli.tail.class_check import check_classes

            names = [query.class_name for query in self._queries]
            self._class_check = asyncio.ensure_future(
                check_classes(self._settings, self._tls, names, self._status)
            )
            self._class_check.add_done_callback(retrieve_exception)
        self._watch = asyncio.ensure_future(self._watch_client(client, fail))

    def _on_close(self) -> None:
        if not self._stopping:  # our own goodbye is not news
            self._status.lost(self._last_problem)
            self._status_event("disconnected", reason=self._last_problem)

    def _bind(
        self,
        sub: Subscription,
        index: int,
        query: SubscribeQuery,
        deliver: Deliver,
        fail: Callable[[BaseException], None],
    ) -> None:
        class_name = query.class_name
        description = describe_query(query)
        status = self._status

        sub.on("open", lambda: status.subscribed(class_name, description))
        if sub._announced:  # confirmed before the listener was added: report it now
            status.subscribed(class_name, description)
        # The status line first: binding the sync stage imports its modules.
        if self._sync is not None:
            self._sync.bind(sub, index, query, deliver)
        else:
            for op in EVENT_TYPES:
                sub.add_listener(op, _handler(deliver, index, class_name, op))

        def on_error(error: BaseException) -> None:
            if (isinstance(error, ServerError) and not error.reconnect) or isinstance(
                error, (AuthError, ConnectionFailedError)
            ):
                fail(error)
            else:
                status.note(f"subscription error: {error}")

        sub.on("error", on_error)

    async def _watch_client(
        self, client: LiveQueryClient, fail: Callable[[BaseException], None]
    ) -> None:
        try:
            await client.wait_closed()
        except LiveQueryError as exc:
            fail(exc)

    async def _check_session(self, fail: Callable[[BaseException], None]) -> None:
        """Ask the REST API whether the session token is valid.

        Parse Server's LiveQuery accepts any session token at subscribe time
        and then silently filters out every ACL-protected event, so a dead
        token would look like a quiet stream. ``GET users/me`` answers 209 for
        it, which ends the run as a refusal. Other REST failures (no REST URL
        reachable, say) are not the token's fault and are ignored.
        """
        from livequery_cli.cli.tail.rest_stack import load_rest_stack

        await load_rest_stack()  # off the event loop: events are already streaming
        from livequery_cli.cli.settings.tls import rest_session
        from livequery_cli.client.rest import RestClient
        from livequery_cli.exceptions import RestAuthError

        settings = self._settings
        session = rest_session(self._tls)
        try:
            client = RestClient(
                settings.server_url,
                settings.get("app_id") or "",
                javascript_key=settings.get("js_key"),
                session_token=settings.get("session_token"),
                session=session,
                timeout=10.0,
                proxy=settings.proxy_for(settings.server_url),
            )
        except ValueError:
            if session is not None:
                await session.close()
            return
        try:
            await client.me()
        except RestAuthError as exc:
            fail(exc)
        except (LiveQueryError, OSError):
            pass
        finally:
            await client.close()
            if session is not None:
                await session.close()

    async def stop(self) -> None:
        client = self._client
        if self._stats is not None:
            self._stats.stop()
        if client is None:
            return
        self._stopping = True
        for sub in self._subs:
            with contextlib.suppress(LiveQueryError, OSError):
                await sub.unsubscribe()
            self._status.unsubscribed(sub.class_name)
        for task in (self._watch, self._session_check, self._class_check):
            if task is not None:
                task.cancel()
        if self._sync is not None:
            await self._sync.close()
        await client.close()


def _ignore(*args: Any, **kwargs: Any) -> None:
    return None


def _display_url(url: str) -> str:
    from livequery_cli.client.transports.interface import redact_url

    return redact_url(url)


def _handler(deliver: Deliver, index: int, class_name: str, op: str) -> Callable[..., None]:
    """A listener for ``op``: ``(object)`` for create/delete, ``(object, original)`` else.

    A partial rather than a closure (one Python frame less per event): the
    runner's ``deliver`` takes ``original`` as optional for create/delete.
    """
    return partial(deliver, index, class_name, op)
