"""Bounds on HTTP connections that have not (yet) sent a whole request: slowloris.

A slowloris client opens many connections and sends each request a byte at a
time, or never finishes it. Three things stop it from starving ``lq serve``:

* **Header timeout.** aiohttp's request handler arms its keep-alive timer when a
  connection opens and again after each answer, and closes the connection if
  no complete request head has arrived when it fires; bytes trickling in do
  not re-arm it. So its ``keepalive_timeout`` is a header timeout, and
  :class:`EmbeddedServer` sets it to ``header_timeout``.
* **Body timeout.** The body is read by our handler, under ``body_timeout``
  (see :mod:`livequery_cli.server.app`).
* **The gate (this module).** Until the timeouts fire, the attacker's
  connections still hold file descriptors: with the common 1024-descriptor
  limit, 1,100 of them left the server unable to ``accept`` at all (every
  ``/health`` timed out, and asyncio logged each failed accept). The gate is
  the listening socket's protocol factory; its handlers report when their
  connection opens and closes. It knows which connections wait for a request
  (headers or body still arriving, or idle between keep-alive requests) and
  which are busy (a request being answered, a WebSocket). When
  ``max_pending`` connections wait, or the server holds as many connections as
  its descriptor budget allows, a new connection evicts the oldest waiting
  one. An honest client sends its request at once, so it is never the oldest
  waiter for long; when every connection is busy, the new one is closed at
  once rather than pushing the process into ``EMFILE``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

try:
    import resource
except ImportError:  # not on POSIX: no descriptor limit to read or raise
    resource = None  # type: ignore[assignment]

# Descriptors kept back from the connection budget: the database, its journal,
# the listening socket, log files, worker threads' pipes.
RESERVED_DESCRIPTORS = 64
# The budget where the platform has no (readable) descriptor limit.
UNLIMITED_BUDGET = 1 << 16


def raise_descriptor_limit() -> int:
    """Raise this process's soft limit on open files to its hard limit; return the soft limit.

    Servers commonly do this at start (the soft limit is often 1024 while the
    hard limit is much higher); the gate then budgets connections below it.
    """
    if resource is None:
        return UNLIMITED_BUDGET
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        target = 1 << 20 if hard == resource.RLIM_INFINITY else hard
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def descriptor_budget() -> int:
    """How many connections this process may hold without running out of descriptors."""
    if resource is None:
        return UNLIMITED_BUDGET
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return UNLIMITED_BUDGET
    return max(16, soft - RESERVED_DESCRIPTORS)


class _GatedHandler(RequestHandler):
    """aiohttp's request handler, telling the gate when its connection opens and closes."""

    def __init__(self, gate: ConnectionGate, manager: web.Server, **options: Any) -> None:
        super().__init__(manager, loop=asyncio.get_running_loop(), **options)
        self._gate = gate

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._gate.opened(self)

    def connection_lost(self, exc: BaseException | None) -> None:
        self._gate.lost(self)
        super().connection_lost(exc)


class ConnectionGate:
    """The protocol factory for ``loop.create_server``: makes room as each connection opens."""

    def __init__(
        self,
        server: web.Server,
        *,
        max_pending: int,
        max_open: int,
        handler_options: dict[str, Any],
    ) -> None:
        self._server = server
        self._max_pending = max_pending
        self._max_open = max_open
        self._options = handler_options
        # Connections waiting for a request, oldest first (dicts keep insertion order).
        self._waiting: dict[RequestHandler, None] = {}
        self._busy: set[RequestHandler] = set()
        self.evicted = 0
        self.refused = 0

    def __call__(self) -> RequestHandler:
        return _GatedHandler(self, self._server, **self._options)

    @property
    def open_connections(self) -> int:
        return len(self._waiting) + len(self._busy)

    def opened(self, handler: RequestHandler) -> None:
        if len(self._waiting) >= self._max_pending:
            self._evict_oldest()
        if self.open_connections >= self._max_open and not self._evict_oldest():
            self.refused += 1
            handler.force_close()
            return
        self._waiting[handler] = None

    def lost(self, handler: RequestHandler) -> None:
        self._waiting.pop(handler, None)
        self._busy.discard(handler)

    @contextlib.contextmanager
    def busy(self, handler: object) -> Iterator[None]:
        """Mark a connection as answering a request (or serving a WebSocket) while inside."""
        if not isinstance(handler, RequestHandler) or (
            handler not in self._waiting and handler not in self._busy
        ):
            yield
            return
        self._waiting.pop(handler, None)
        self._busy.add(handler)
        try:
            yield
        finally:
            if handler in self._busy:  # still open: waits for its next request (keep-alive)
                self._busy.discard(handler)
                self._waiting[handler] = None

    def close_waiting(self) -> None:
        """Close every connection that is not inside a request (shutdown)."""
        waiting, self._waiting = self._waiting, {}
        for handler in waiting:
            handler.force_close()

    def _evict_oldest(self) -> bool:
        if not self._waiting:
            return False
        handler = next(iter(self._waiting))
        del self._waiting[handler]
        handler.force_close()
        self.evicted += 1
        return True
