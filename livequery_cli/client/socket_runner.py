"""``SocketRunner``: the task that owns a client's socket, and its reconnect loop.

It connects through the injected connector, feeds every received frame to the
sans-I/O ``ClientProtocol``, and after an unexpected close waits the
``ReconnectPolicy`` delay and connects again, until the client is closed or
the policy gives up. What the frames *mean* for users (events, waiters,
subscriptions) is left to ``LiveQueryClient`` through a few hooks, so this
module is only about the socket's life.

The first connection has a budget (``connect_timeout``): a wrong URL, a
closed port or a host that never answers must not leave the first ``open()``
or ``subscribe()`` waiting forever. Until the server first answers
``connected``, attempts and the delays between them must fit in the budget;
when the next attempt could not, the client fails with
``ConnectionFailedError`` (naming the last problem). Once a connection was
established, reconnects follow the ``ReconnectPolicy`` alone, as long as it
allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from functools import partial

from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.client.emitter import EventEmitter, mark_raised
from livequery_cli.client.pending import retrieve_exception
from livequery_cli.client.transports.interface import (
    Connector,
    Transport,
    connect_error,
    describe_close,
    is_clean_close,
    is_permanent_failure,
    redact_url,
)
from livequery_cli.exceptions import ConnectionFailedError, LiveQueryError, TransportError
from livequery_cli.protocol import ClientProtocol, State

__all__ = ["SocketRunner"]

logger = logging.getLogger("livequery_cli.client")


class SocketRunner(EventEmitter):
    """Base of ``LiveQueryClient``: the socket, its runner task and reconnects."""

    def __init__(
        self,
        events: tuple[str, ...],
        server_url: str,
        connect: Connector,
        protocol: ClientProtocol,
        policy: ReconnectPolicy,
        connected_timeout: float | None,
        connect_timeout: float | None = None,
    ) -> None:
        super().__init__(events)
        self.connect_timeout = connect_timeout
        # The loop time by which the first connection must be up (None: no
        # budget, or a connection was established once).
        self._first_deadline: float | None = None
        self._last_problem = ""
        self._connected_timeout = connected_timeout
        self.server_url = server_url
        self._connect = connect
        self._protocol = protocol
        self._policy = policy
        self._runner: asyncio.Task[None] | None = None
        self._socket_closes: set[asyncio.Task[None]] = set()
        self._transport: Transport | None = None
        self._send_lock = asyncio.Lock()
        self._opened: asyncio.Future[None] | None = None
        self._finished: asyncio.Future[None] | None = None
        self._drop_socket = False
        self._connected = False
        self._failure: LiveQueryError | None = None
        self._attempt = 0
        self._delays: Iterator[float] = policy.delays()

    # --- hooks for the client ------------------------------------------------------

    def _check_usable(self) -> None:
        """Raise if the client may not (re)start."""

    async def _process_events(self) -> None:
        """Act on ``self._protocol.events_received()``."""
        raise NotImplementedError

    def _socket_lost(self) -> None:
        """The socket is gone (before ``error``/``close`` are emitted)."""

    def _fail_connection(self, error: LiveQueryError) -> None:
        """A final error: the runner stops after this."""
        raise NotImplementedError

    def _has_waiters(self) -> bool:
        """Whether a caller awaits the first connection (and so gets a final error raised)."""
        return self._opened is not None and not self._opened.done()

    def _final_level(self) -> int:
        """INFO when a caller gets the final error raised (it reports it), else WARNING."""
        return logging.INFO if self._has_waiters() else logging.WARNING

    def _emit_final(self, error: LiveQueryError) -> None:
        """Emit the error that ends the client; not 'unhandled' if a caller gets it raised."""
        if self._has_waiters():
            mark_raised(error)
        self.emit("error", error)

    # --- the runner ------------------------------------------------------------------

    def _start(self) -> None:
        if self._runner is not None:
            return
        self._check_usable()
        loop = asyncio.get_running_loop()
        self._opened = loop.create_future()
        # Callers that never await it must not trigger "exception never retrieved".
        self._opened.add_done_callback(retrieve_exception)
        self._finished_future()
        if self.connect_timeout is not None:
            self._first_deadline = loop.time() + self.connect_timeout
        self._runner = loop.create_task(
            self._run(), name=f"lq-client {redact_url(self.server_url)}"
        )

    def _finished_future(self) -> asyncio.Future[None]:
        if self._finished is None:
            self._finished = asyncio.get_running_loop().create_future()
            self._finished.add_done_callback(retrieve_exception)
        return self._finished

    async def _run(self) -> None:
        try:
            await self._run_connections()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must not leave callers waiting forever
            logger.exception("LiveQuery client failed")
            self._fail_connection(LiveQueryError(f"internal error: {exc}"))
        if self._failure is not None:
            self._finish(self._failure)

    async def _run_connections(self) -> None:
        while True:
            transport = await self._open_socket()
            if transport is not None:
                await self._serve(transport)
            if self._protocol.state in (State.DISCONNECTED, State.CLOSED):
                break
            if not self._policy.allows(self._attempt + 1):
                self._give_up()
                break
            self._attempt += 1
            delay = next(self._delays)
            if self._out_of_budget(delay):
                self._give_up_first()
                break
            logger.info(
                "reconnecting to %s in %.1f s (attempt %d)",
                redact_url(self.server_url),
                delay,
                self._attempt,
            )
            self.emit("reconnect", self._attempt, delay)
            await asyncio.sleep(delay)

    async def _open_socket(self) -> Transport | None:
        logger.debug("opening a socket to %s", redact_url(self.server_url))
        attempt = asyncio.ensure_future(self._connect(self.server_url))
        budget = self._budget_left()
        try:
            if budget is None:
                return await asyncio.shield(attempt)
            return await asyncio.wait_for(asyncio.shield(attempt), max(budget, 0.0))
        except TimeoutError as exc:
            if attempt.done():  # the connector's own timeout: an ordinary failure
                self._attempt_failed(exc)
                return None
            attempt.add_done_callback(_discard_transport)
            attempt.cancel()
            self._last_problem = "no answer"
            return None
        except asyncio.CancelledError:
            # close() during the handshake: a socket that opened anyway is closed.
            if attempt.done() and not attempt.cancelled() and attempt.exception() is None:
                await self._close_transport(attempt.result())
            else:
                attempt.add_done_callback(lambda t: t.cancelled() or t.exception())
                attempt.cancel()
            raise
        except Exception as exc:
            self._attempt_failed(exc)
            return None

    def _attempt_failed(self, exc: BaseException) -> None:
        error = connect_error(self.server_url, exc)
        logger.info("%s", error)
        self._last_problem = str(error)
        if self._first_deadline is not None and self._has_waiters():
            # The caller of the first open()/subscribe() gets the outcome raised,
            # naming this problem: not an unhandled error meanwhile.
            mark_raised(error)
        self.emit("error", error)
        if is_permanent_failure(exc):
            self._fail_connection(error)

    def _budget_left(self) -> float | None:
        """Seconds left for the first connection, or None without a budget."""
        if self._first_deadline is None:
            return None
        return self._first_deadline - asyncio.get_running_loop().time()

    def _out_of_budget(self, delay: float) -> bool:
        """Whether an attempt after ``delay`` seconds would start past the budget."""
        left = self._budget_left()
        return left is not None and left <= delay

    def _established(self) -> None:
        """The server answered ``connected``: the first-connection budget is spent."""
        self._first_deadline = None

    async def _serve(self, transport: Transport) -> None:
        self._transport = transport
        self._protocol.connection_made()
        await self._flush()
        reason: BaseException | None = None
        loop = asyncio.get_running_loop()
        limit = self._connected_timeout
        deadline = None if limit is None else loop.time() + limit
        if self._first_deadline is not None:
            deadline = min(deadline or self._first_deadline, self._first_deadline)
        protocol = self._protocol
        batched = getattr(transport, "recv_batch", None)
        receive: Callable[[], Awaitable[Sequence[str | bytes]]] = (
            batched if batched is not None else partial(_recv_one, transport)
        )
        try:
            while not self._drop_socket:
                try:
                    if deadline is not None and protocol.state is State.CONNECTING:
                        # A server that accepts the socket but never answers
                        # `connect` must not hold the client forever.
                        messages = await asyncio.wait_for(receive(), deadline - loop.time())
                    else:
                        messages = await receive()
                except asyncio.CancelledError:
                    raise
                except TimeoutError:
                    waited = limit if limit is not None else self.connect_timeout or 0.0
                    problem = TransportError(f"no 'connected' within {waited:g} s")
                    self._last_problem = str(problem)
                    self.emit("error", problem)
                    break
                except Exception as exc:
                    reason = exc
                    break
                # Each frame is digested and dispatched before the next one,
                # so a frame that drops the socket stops the rest of its batch;
                # replies go out once per batch.
                for data in messages:
                    protocol.receive_text(data)
                    await self._process_events()
                    if self._drop_socket:
                        break
                if protocol.has_data_to_send:
                    await self._flush()
        finally:
            if self._transport is transport:
                self._transport = None
            # On every way out, cancellation by close() included: a socket
            # left half-closed here would leak.
            self._drop_socket = False
            await self._close_transport(transport)
        logger.info(
            "connection to %s ended: %s", redact_url(self.server_url), describe_close(reason)
        )
        self._protocol.connection_lost(reason)
        await self._process_events()
        self._socket_lost()
        if not is_clean_close(reason):
            self.emit("error", TransportError(describe_close(reason)))
        if self._connected:
            self._connected = False
            self.emit("close")

    async def _flush(self) -> None:
        async with self._send_lock:
            frames = self._protocol.data_to_send()
            transport = self._transport
            if transport is None:
                return
            for text in frames:
                try:
                    await transport.send(text)
                except Exception:
                    return  # the runner sees the closed socket and reconnects

    def _give_up(self) -> None:
        logger.log(self._final_level(), "gave up reconnecting to %s", redact_url(self.server_url))
        error = ConnectionFailedError(
            f"gave up reconnecting to {redact_url(self.server_url)} "
            f"after {self._attempt} attempt{'s' if self._attempt != 1 else ''}",
            attempts=self._attempt,
        )
        self._emit_final(error)
        self._fail_connection(error)

    def _give_up_first(self) -> None:
        tries = self._attempt
        error = ConnectionFailedError(
            f"could not connect to {redact_url(self.server_url)} within "
            f"{self.connect_timeout:g} s ({tries} attempt{'s' if tries != 1 else ''})"
            + (f"; last: {self._last_problem}" if self._last_problem else ""),
            attempts=tries,
        )
        logger.log(self._final_level(), "%s", error)
        self._emit_final(error)
        self._fail_connection(error)

    def _finish(self, error: LiveQueryError | None) -> None:
        if self._finished is None or self._finished.done():
            return
        if error is None:
            self._finished.set_result(None)
        else:
            self._finished.set_exception(error)

    def _reset_backoff(self) -> None:
        if self._attempt:
            self._attempt = 0
            self._delays = self._policy.delays()

    async def _close_transport(self, transport: Transport) -> None:
        """Close a socket in a task of its own, which ``close()`` waits for.

        Cancelling the runner must not interrupt a closing handshake half-way
        (the socket would leak), so the close is shielded and tracked.
        """
        task = asyncio.ensure_future(_close_quietly(transport))
        self._socket_closes.add(task)
        task.add_done_callback(self._socket_closes.discard)
        await asyncio.shield(task)

    async def _wait_runner(self) -> None:
        runner = self._runner
        if runner is None or runner is asyncio.current_task():
            return
        await asyncio.wait([runner])


async def _recv_one(transport: Transport) -> tuple[str | bytes]:
    """``recv_batch`` for a transport that only has ``recv``."""
    return (await transport.recv(),)


def _discard_transport(attempt: asyncio.Future[Transport]) -> None:
    """An attempt abandoned at the budget's end: close the socket if it opened anyway."""
    if attempt.cancelled() or attempt.exception() is not None:
        return
    task = asyncio.ensure_future(_close_quietly(attempt.result()))
    _STRAY_CLOSES.add(task)
    task.add_done_callback(_STRAY_CLOSES.discard)


_STRAY_CLOSES: set[asyncio.Task[None]] = set()


async def _close_quietly(transport: Transport) -> None:
    with contextlib.suppress(Exception):
        await transport.close()
