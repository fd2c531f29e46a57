"""The lifetime of one ``lq tail``: events in, lines out, and every way it can end.

The runner knows nothing about WebSockets: an ``EventSource`` connects,
subscribes and calls ``deliver`` for each event; the runner filters, numbers,
renders and writes them, and decides when to stop (``--count``, ``--timeout``,
``--idle``, SIGINT, SIGTERM, a closed stdout, a fatal source error). Keeping
the two apart lets later stages slot in between without touching either side:
a snapshot or resync stage that buffers events, several subscriptions (the
``sub`` index travels with each event).

``deliver_marked`` takes the records a sync stage makes (snapshot records,
synthetic resync events); ``status_event`` writes ``--status-events``
records. ``--until`` is a matcher run on each printed object; it costs
nothing when absent.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from livequery_cli.cli.exit_status import ExitStatus
from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.event_writer import EventWriter

Deliver = Callable[[int, str, str, dict[str, Any], "dict[str, Any] | None"], None]
"""``deliver(sub, class_name, op, object, original)``: hand one event to the runner.

``original`` may be left out for ``create``/``delete`` (the listeners are partials of it).
"""

Render = Callable[[TailEvent], bytes]

BLOCKED_WRITE_S = 0.25
"""A write to stdout lasting this long is blocked (its reader stopped reading)."""
# Bounds the goodbye (unsubscribe + close) so a dead server cannot hang Ctrl-C.
STOP_GRACE_SECONDS = 3.0


class EventSource(Protocol):
    """Where events come from (the LiveQuery client binding, or a test double)."""

    async def start(self, deliver: Deliver, fail: Callable[[BaseException], None]) -> None:
        """Connect and subscribe; call ``fail`` for an error that must end the run."""

    async def stop(self) -> None:
        """Unsubscribe and close the connection."""


@dataclass(frozen=True)
class Limits:
    """When a script wants the tail to end on its own."""

    count: int | None = None
    timeout: float | None = None
    idle: float | None = None
    until: Callable[[dict[str, Any]], bool] | None = None
    """End with status 0 at the first printed object this matcher accepts (``--until``)."""
    exit_status: bool = False
    """With ``until``: a run ending without a match (limit reached) exits 1."""


class TailRunner:
    """Runs a tail until a limit, a signal, a closed stdout or a fatal error ends it."""

    def __init__(
        self,
        *,
        render: Render,
        writer_stream: Any,
        events: frozenset[str] | None = None,
        limits: Limits = Limits(),
        clock: Callable[[], float] = time.time,
        handle_signals: bool = True,
        status_events: bool = False,
        counter: Callable[[str], None] | None = None,
        on_blocked_signal: Callable[[], None] | None = None,
    ) -> None:
        self._render = render
        self._on_blocked_signal = on_blocked_signal
        self._until = limits.until
        self._matched = False
        self._status_events = status_events
        self._counter = counter
        self._events = events
        self._limits = limits
        self._clock = clock
        self._handle_signals = handle_signals
        self._writer = EventWriter(writer_stream, on_error=self._stdout_failed)
        self._seq = 0
        self._done: asyncio.Future[ExitStatus] | None = None
        self._error: BaseException | None = None
        self._last_activity = 0.0
        # Only ``--idle`` reads the time of the last event: without it the hot path skips the clock.
        self._track_activity = limits.idle is not None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.ended_by: str | None = None
        """``"timeout"`` or ``"idle"`` when that limit ended the run (to say so on stderr)."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop ``run`` runs on (for threads that hand results back to it)."""
        return self._loop

    @property
    def seq(self) -> int:
        """How many events were printed."""
        return self._seq

    def deliver(
        self,
        sub: int,
        class_name: str,
        op: str,
        obj: dict[str, Any],
        original: dict[str, Any] | None = None,
    ) -> None:
        """Render and write one event (the hot path: keep it lean)."""
        done = self._done
        if done is not None and done.done():
            return
        events = self._events
        if events is not None and op not in events:
            return
        self._seq = seq = self._seq + 1
        named = obj.get("className")  # the object's own class is the truth
        if type(named) is str:
            class_name = named
        event = TailEvent(
            op, obj, original, class_name=class_name, seq=seq, ts=self._clock(), sub=sub
        )
        self._after_write(event)

    def deliver_marked(
        self,
        sub: int,
        class_name: str,
        op: str,
        obj: dict[str, Any],
        original: dict[str, Any] | None,
        *,
        kind: str,
        synthetic: bool,
    ) -> None:
        """Write a snapshot record (never filtered by ``--events``) or a synthetic event."""
        done = self._done
        if done is not None and done.done():
            return
        events = self._events
        if kind == "event" and events is not None and op not in events:
            return
        self._seq = seq = self._seq + 1
        named = obj.get("className")
        if type(named) is str:
            class_name = named
        event = TailEvent(
            op,
            obj,
            original,
            class_name=class_name,
            seq=seq,
            ts=self._clock(),
            sub=sub,
            kind=kind,
            synthetic=synthetic,
        )
        self._after_write(event)

    def _after_write(self, event: TailEvent) -> None:
        self._writer.write(self._render(event))
        if self._track_activity and self._loop is not None:
            self._last_activity = self._loop.time()
        if self._counter is not None:
            self._counter(event.op)
        until = self._until
        if until is not None and until(event.object):
            self._matched = True
            self._writer.flush()
            self.finish(ExitStatus.SUCCESS)
            return
        count = self._limits.count
        if count is not None and event.seq >= count:
            self._writer.flush()
            self.finish(ExitStatus.SUCCESS)

    def status_event(self, state: str, **fields: Any) -> None:
        """Write a ``{"kind":"status"}`` record when ``--status-events`` is on."""
        if not self._status_events:
            return
        done = self._done
        if done is not None and done.done():
            return
        from livequery_cli.cli.output.ndjson import status_record
        from livequery_cli.cli.output.timestamps import utc_stamp

        self._writer.write(status_record(state, utc_stamp()(self._clock()), fields))

    def finish(self, status: ExitStatus) -> None:
        """End the run with ``status`` (the first reason to end wins)."""
        if self._done is not None and not self._done.done():
            self._done.set_result(status)

    def fail(self, exc: BaseException) -> None:
        """End the run because of ``exc``; ``exit_status.classify`` decides the status."""
        if self._done is not None and not self._done.done():
            self._error = exc
            self._done.set_result(ExitStatus.ERROR)

    def _on_signal(self, status: ExitStatus) -> None:
        """The first signal ends the run politely; a second one during the goodbye ends it now."""
        if self._done is not None and self._done.done():
            self._writer.flush()
            os._exit(int(status))
        self.finish(status)

    def _interrupt_blocked_write(self, status: ExitStatus) -> Callable[[int, Any], None]:
        """A signal handler that exits at once if stdout's reader has stopped reading.

        Events cannot be delivered then anyway, and the polite goodbye would
        wait behind the same blocked write.
        """

        def handler(signum: int, frame: Any) -> None:
            if self._on_blocked_signal is not None:
                # A stage blocking the loop (``--exec``'s full queue) lets go, so the
                # loop can handle the signal itself.
                self._on_blocked_signal()
            # A write that has just finished still counts as "writing" until its
            # ``finally`` runs, and a Ctrl-C right after a line appears lands there:
            # only a write that has lasted is a blocked one (else: the polite goodbye).
            if self._writer.blocked_for() >= BLOCKED_WRITE_S:
                os._exit(int(status))

        return handler

    def _stdout_failed(self, exc: BaseException) -> None:
        # EPIPE (`| head`) is a normal end; other write errors are real failures.
        if isinstance(exc, BrokenPipeError):
            self.finish(ExitStatus.SUCCESS)
        else:
            self.fail(exc)

    async def run(self, source: EventSource) -> ExitStatus:
        """Run until the end; raise the fatal error if one ended the run."""
        loop = asyncio.get_running_loop()
        self._loop = loop
        self._done = loop.create_future()
        self._last_activity = loop.time()
        installed = self._install_signals(loop)
        timers = self._start_timers(loop)
        try:
            start = asyncio.ensure_future(source.start(self.deliver, self.fail))
            start.add_done_callback(self._start_finished)
            status = await self._done
            if not start.done():
                start.cancel()
                await asyncio.gather(start, return_exceptions=True)
        finally:
            for timer in timers:
                timer.cancel()
            for signum in installed:
                loop.remove_signal_handler(signum)
        self._writer.flush()
        await self._stop_source(source)
        if self._error is not None:
            raise self._error
        if (
            self._until is not None
            and self._limits.exit_status
            and not self._matched
            and status in (ExitStatus.SUCCESS, ExitStatus.TIME_LIMIT)
        ):
            return ExitStatus.ERROR
        return status

    def _start_finished(self, task: asyncio.Future[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.fail(task.exception())  # type: ignore[arg-type]

    async def _stop_source(self, source: EventSource) -> None:
        try:
            await asyncio.wait_for(source.stop(), STOP_GRACE_SECONDS)
        except (TimeoutError, OSError, asyncio.CancelledError):
            pass
        except Exception as exc:  # a failing goodbye must not mask why the run ended
            if self._error is None:
                self._error = exc

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> list[int]:
        if not self._handle_signals:
            return []
        installed: list[int] = []
        for signum, status in (
            (signal.SIGINT, ExitStatus.SIGINT),
            (signal.SIGTERM, ExitStatus.SIGTERM),
        ):
            try:
                loop.add_signal_handler(signum, self._on_signal, status)
            except (NotImplementedError, RuntimeError, ValueError):
                continue
            # The loop runs the handler above; this Python-level one runs even while the
            # loop is blocked writing to a pipe nobody reads, where it is the only way out.
            signal.signal(signum, self._interrupt_blocked_write(status))
            installed.append(signum)
        return installed

    def _start_timers(self, loop: asyncio.AbstractEventLoop) -> list[asyncio.TimerHandle]:
        timers = []
        if self._limits.timeout is not None:
            timers.append(loop.call_later(self._limits.timeout, self._time_limit, "timeout"))
        if self._limits.idle is not None:
            timers.append(loop.call_later(self._limits.idle, self._check_idle, timers))
        return timers

    def _time_limit(self, which: str) -> None:
        if self._done is not None and not self._done.done():
            self.ended_by = which
        self.finish(ExitStatus.TIME_LIMIT)

    def _check_idle(self, timers: list[asyncio.TimerHandle]) -> None:
        """Fire at last-activity + idle; events only record a time, never reschedule."""
        assert self._loop is not None
        assert self._limits.idle is not None
        due = self._last_activity + self._limits.idle
        if self._loop.time() >= due:
            self._time_limit("idle")
        else:
            timers.append(self._loop.call_at(due, self._check_idle, timers))
