"""The synchronous API: ``connect()``, ``Client``, ``Subscription``, no asyncio in sight.

For scripts, worker threads and notebooks that do not run an event loop, in
the style of ``websockets.sync``: the asyncio ``LiveQueryClient`` runs on an
event loop in a background thread (one per client), and each method hands
its work to that loop and blocks until it is done, with an optional timeout::

    from livequery_cli.sync import connect

    with connect("app", "ws://127.0.0.1:1337/parse") as client:
        with client.subscribe({"className": "Game", "where": {}}) as sub:
            for event in sub:               # blocks; ends when the subscription ends
                print(event.op, event.object["objectId"])
            event = sub.recv(timeout=5.0)   # or one at a time: TimeoutError if none

Every method may be called from any thread (not from inside a listener, which
runs on the client's own thread). ``recv(timeout=...)`` that times out keeps
the subscription; leaving a ``for`` loop early unsubscribes, as ``async for``
does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Self

from livequery_cli.client.live_query_client import LiveQueryClient
from livequery_cli.client.subscription import Event, Overflow
from livequery_cli.client.subscription import Subscription as AsyncSubscription
from livequery_cli.protocol.connection import State
from livequery_cli.sync.loop_thread import LoopThread

__all__ = ["Client", "Subscription", "connect"]


class _Ended(Exception):
    """The subscription ended cleanly (internal: ``StopAsyncIteration`` cannot cross a future)."""


async def _next_event(sub: AsyncSubscription) -> Event:
    try:
        return await anext(sub)
    except StopAsyncIteration:
        raise _Ended from None


class Subscription:
    """A subscription of the synchronous API (made by ``Client.subscribe``)."""

    def __init__(self, subscription: AsyncSubscription, thread: LoopThread) -> None:
        self.subscription = subscription
        self._thread = thread

    def __repr__(self) -> str:
        return f"<sync {self.subscription!r}>"

    @property
    def closed(self) -> bool:
        """True once the subscription has ended."""
        return self.subscription.closed

    def recv(self, timeout: float | None = None) -> Event:
        """The next event; ``TimeoutError`` if none within ``timeout`` seconds.

        Raises ``EOFError`` once the subscription has ended cleanly, or the
        error that ended it (``ConnectionFailedError``, a ``ServerError``, ...).
        A timeout leaves the subscription as it was.
        """
        try:
            return self._thread.run(_next_event(self.subscription), timeout)
        except _Ended:
            raise EOFError("the subscription has ended") from None

    def __iter__(self) -> Iterator[Event]:
        """Each event as it comes, until the subscription ends; leaving early unsubscribes."""
        try:
            while True:
                try:
                    yield self.recv()
                except EOFError:
                    return
        finally:
            if not self.subscription.closed and self._thread.running:
                self.close()

    def close(self, timeout: float | None = 10.0) -> None:
        """Unsubscribe (waits for the server's confirmation, at most ``timeout`` s)."""
        if self.subscription.closed or not self._thread.running:
            return
        self._thread.run(self.subscription.unsubscribe(), timeout)

    def __enter__(self) -> Self:
        """``with client.subscribe(q) as sub``: unsubscribes at the end."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Unsubscribes."""
        self.close()


class Client:
    """A ``LiveQueryClient`` driven from synchronous code; arguments as ``LiveQueryClient``'s."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._thread = LoopThread()

        async def build() -> LiveQueryClient:
            return LiveQueryClient(*args, **kwargs)

        try:
            self.client = self._thread.run(build())
        except BaseException:
            self._thread.stop()
            raise

    def __repr__(self) -> str:
        return f"<sync {self.client!r}>"

    @property
    def state(self) -> State:
        """The connection state (``"connected"``, ...)."""
        return self.client.state

    def open(self, timeout: float | None = None) -> None:
        """Connect; raises as ``LiveQueryClient.open()`` does.

        A wrong URL: ``ConnectionFailedError`` once ``connect_timeout`` is spent.
        """
        self._thread.run(self.client.open(), timeout)

    def subscribe(
        self,
        query: Any,
        session_token: str | None = None,
        *,
        timeout: float | None = None,
        max_queue: int | None = None,
        overflow: Overflow | None = None,
    ) -> Subscription:
        """Subscribe to a ``Query`` or ``{className, where, ...}``; returns once confirmed."""
        sub = self._thread.run(
            self.client.subscribe(query, session_token, max_queue=max_queue, overflow=overflow),
            timeout,
        )
        return Subscription(sub, self._thread)

    def close(self) -> None:
        """Close the connection and stop the client's thread (idempotent)."""
        if self._thread.running:
            try:
                self._thread.run(self.client.close())
            finally:
                self._thread.stop()

    def __enter__(self) -> Self:
        """``with connect(...) as client``: closes at the end."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Closes the client."""
        self.close()


def connect(*args: Any, timeout: float | None = None, **kwargs: Any) -> Client:
    """A ``Client`` that is connected (``LiveQueryClient``'s arguments; ``timeout`` for the open).

    A wrong URL raises ``ConnectionFailedError`` once the client's
    ``connect_timeout`` (default 15 s) is spent, and the client is closed.
    """
    client = Client(*args, **kwargs)
    try:
        client.open(timeout)
    except BaseException:
        client.close()
        raise
    return client
