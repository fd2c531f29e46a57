"""``lq tail --exec``: run a command per event, in order, with bounded memory.

Events are put on a bounded queue that worker threads take from; each runs
the command for one event with the event's ``--json`` record on stdin and
``LQ_OP``, ``LQ_CLASS``, ``LQ_ID`` (and ``LQ_SEQ``) in its environment.
One worker (the default) runs the commands one after the other in event
order; ``--exec-concurrency N`` runs up to N at once (order of completion is
then not order of events).

When the queue is full, ``submit`` blocks the event loop's thread, exactly
as a blocking write to a slow pipe does in ``EventWriter``: the socket is not
read, TCP pushes back on the server, and memory stays bounded. That is said
once on stderr. A signal arriving meanwhile is handled by the runner's
Python-level handler, which asks ``blocked`` and then ends the process.

The command's stdout and stderr are lq's own (inherited file descriptors):
nothing it prints is held in memory, and ``lq`` prints no event lines of its
own with ``--exec``. Each command runs in its own process group so that a
timeout (``--exec-timeout``) or the end of ``lq`` kills the command and
whatever it started.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import select
import signal
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any, Protocol

from livequery_cli.cli.exit_status import ExitStatus
from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.ndjson import JsonFormat, envelope
from livequery_cli.cli.output.terminal_text import escape_text
from livequery_cli.cli.output.timestamps import utc_stamp
from livequery_cli.cli.tail.exec_command import ExecCommand
from livequery_cli.exceptions import LiveQueryError

__all__ = ["ExecError", "ExecOptions", "ExecStage"]

QUEUE_PER_WORKER = 16
"""Events waiting per worker before reading pauses."""

_PUT_POLL_S = 0.2
"""How often a blocked ``submit`` looks whether the stage was closed meanwhile."""


class ExecError(LiveQueryError):
    """A command failed and ``--on-exec-error stop`` ends the tail (exit status 1)."""


@dataclass(frozen=True)
class ExecOptions:
    """``--exec`` and its companions, checked."""

    command: ExecCommand
    concurrency: int = 1
    timeout: float | None = None
    stop_on_error: bool = False


class _Failable(Protocol):
    """``TailRunner``'s side that a worker thread reports a stopping failure to."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None: ...

    def fail(self, exc: BaseException) -> None: ...

    def finish(self, status: ExitStatus) -> None: ...


@dataclass
class _Job:
    argv: list[str]
    stdin: bytes
    env: dict[str, str]
    what: str


class ExecStage:
    """The queue and the workers; ``submit`` is the tail's renderer (it prints nothing itself)."""

    def __init__(
        self,
        options: ExecOptions,
        *,
        stdout: int | None,
        stderr: IO[str],
        base_env: Mapping[str, str],
    ) -> None:
        self._options = options
        self._stdout = stdout
        self._stderr = stderr
        self._base_env = dict(base_env)
        self._runner: _Failable | None = None
        self._queue: queue.Queue[_Job] = queue.Queue(QUEUE_PER_WORKER * options.concurrency)
        self._json = JsonFormat()
        self._stamp = utc_stamp()
        self._closing = threading.Event()  # abandon: skip what is queued
        self._stopping = threading.Event()  # no more events: exit once the queue is empty
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[bytes]] = set()
        self._said_behind = False
        self.blocked = False
        self.error: ExecError | None = None
        self._workers = [
            threading.Thread(target=self._work, name=f"lq-exec-{n}", daemon=True)
            for n in range(options.concurrency)
        ]
        for worker in self._workers:
            worker.start()

    def __call__(self, event: TailEvent) -> bytes:
        """Queue the command for ``event`` (blocking while the queue is full); print nothing."""
        if self._closing.is_set():
            return b""
        record = envelope(event, self._stamp)
        env = dict(self._base_env)
        env["LQ_OP"] = event.op
        env["LQ_CLASS"] = event.class_name
        env["LQ_ID"] = event.object_id
        env["LQ_SEQ"] = str(event.seq)
        what = escape_text(f"{event.op} {event.class_name} {event.object_id} (seq {event.seq})")
        job = _Job(self._options.command.argv(record), self._json(event), env, what)
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            self._wait_for_room(job)
        return b""

    def _wait_for_room(self, job: _Job) -> None:
        if not self._said_behind:
            self._said_behind = True
            self._note(
                f"--exec is falling behind ({self._queue.maxsize} events waiting):"
                " reading paused until the command catches up"
            )
        self.blocked = True
        try:
            while not self._closing.is_set():
                try:
                    self._queue.put(job, timeout=_PUT_POLL_S)
                    return
                except queue.Full:
                    continue
        finally:
            self.blocked = False

    def bind_failure(self, runner: _Failable) -> None:
        """Where ``--on-exec-error stop`` ends the run: ``runner.fail`` on its loop."""
        self._runner = runner

    def _report(self, error: ExecError) -> None:
        runner = self._runner
        loop = runner.loop if runner is not None else None
        if runner is None or loop is None:
            return  # not running (any more): ``close`` returns the error
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(runner.fail, error)

    def _reader_gone(self) -> bool:
        """Whether stdout is a pipe whose reader closed it (poll reports an error on it)."""
        if self._stdout is None:
            return False
        try:
            poller = select.poll()
            poller.register(self._stdout, select.POLLOUT)
            events = poller.poll(0)
        except (OSError, ValueError):
            return False
        return any(mask & select.POLLERR for _, mask in events)

    def _end(self) -> None:
        runner = self._runner
        loop = runner.loop if runner is not None else None
        if runner is None or loop is None:
            return
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(runner.finish, ExitStatus.SUCCESS)

    def let_go(self) -> None:
        """A signal arrived: a ``submit`` waiting for room stops waiting (and so does the rest)."""
        if self.blocked:
            self.abandon()

    def _note(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            self._stderr.write(f"lq: {text}\n")
            self._stderr.flush()

    def _work(self) -> None:
        while True:
            try:
                job = self._queue.get(timeout=_PUT_POLL_S)
            except queue.Empty:
                if self._stopping.is_set():
                    return
                continue
            if self._closing.is_set():
                continue
            problem = self._run(job)
            if self._reader_gone():
                # `lq tail --exec ... | head`: the reader of the commands' output left.
                # That ends lq as it ends a plain tail: status 0, nothing more to run.
                self.abandon()
                self._end()
                return
            if problem is None:
                continue
            if self._options.stop_on_error:
                error = ExecError(f"--exec: {problem} on {job.what}")
                with self._lock:
                    first = self.error is None
                    if first:
                        self.error = error
                if first:
                    self.abandon()
                    self._report(error)
            else:
                self._note(f"--exec: {problem} on {job.what}; continuing")

    def _run(self, job: _Job) -> str | None:
        """Run one command; return what went wrong, or ``None``."""
        name = escape_text(self._options.command.name)
        try:
            proc = subprocess.Popen(
                job.argv,
                stdin=subprocess.PIPE,
                stdout=self._stdout,
                env=job.env,
                start_new_session=True,
            )
        except OSError as exc:
            return f"cannot run {name}: {exc.strerror or exc}"
        with self._lock:
            self._running.add(proc)
        try:
            try:
                proc.communicate(job.stdin, timeout=self._options.timeout)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.wait()
                return f"{name} timed out after {self._options.timeout:g} s"
        finally:
            with self._lock:
                self._running.discard(proc)
        status = proc.returncode
        if status == 0:
            return None
        if status < 0:
            return f"{name} was killed by signal {-status}"
        return f"{name} exited with status {status}"

    def close(self, *, drain: bool) -> ExecError | None:
        """Stop the workers: after the queued commands (``drain``) or at once, killing them.

        Returns the error that ``--on-exec-error stop`` recorded, if any.
        """
        if not drain or self.error is not None:
            self.abandon()
        self._stopping.set()
        for worker in self._workers:
            worker.join()
        return self.error

    def _drop_queued(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()

    def abandon(self) -> None:
        """Drop the queued events and kill the running commands (Ctrl-C, a stop on error)."""
        self._closing.set()
        self._drop_queued()
        with self._lock:
            running = list(self._running)
        for proc in running:
            _kill_group(proc)


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
