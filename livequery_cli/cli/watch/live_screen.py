"""Running ``lq watch``: the tail pipeline with a table for output, drawn by Rich.

The live mode is ``lq tail --snapshot`` (with resync) whose renderer is the
``ResultTable`` model instead of a line format: the same connection, the
same gap-free view. The screen is redrawn from the event loop at most
``REFRESH_PER_SECOND`` times a second and only when something changed, so
the cost of drawing does not grow with the event rate. Keys are read from
the terminal in cbreak mode (``q`` quits, ``s`` cycles the sort column);
Ctrl-C still sends SIGINT, which the runner handles as in ``lq tail``.

The terminal is restored on every way out (``q``, Ctrl-C, SIGTERM, an
error): the Rich ``Live`` context leaves the alternate screen and shows the
cursor, and the saved ``termios`` attributes are put back in ``finally``.

``--once`` (the default when stdout is not a terminal) reads the result set
once over REST, sorted by the server, and prints the table.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.exit_status import ExitStatus
from livequery_cli.cli.tail.setup import TailPlan
from livequery_cli.cli.watch.result_table import ResultTable

if TYPE_CHECKING:
    from rich.console import Console
    from rich.live import Live

    from livequery_cli.cli.tail.runner import Deliver, EventSource, TailRunner

__all__ = ["REFRESH_PER_SECOND", "print_once", "watch_live"]

REFRESH_PER_SECOND = 10
"""The most redraws per second (the issue's bound is 20)."""


_PAGE_KEYS = {"\x1b[6~": 1, "\x1b[5~": -1, "\x1b[H": -1_000_000, "\x1b[F": 1_000_000}
"""Page Down, Page Up, Home, End as terminals send them (space pages down too)."""


class _NullSink:
    """The runner's stdout while the table is the output: nothing is written."""

    def write(self, data: bytes) -> int:
        return len(data)

    def flush(self) -> None:
        pass


class _StateLine(io.TextIOBase):
    """A stderr for ``StatusReporter`` that puts its last line in the header instead."""

    def __init__(self, model: ResultTable) -> None:
        self._model = model

    def write(self, text: str) -> int:
        line = text.strip().removeprefix("lq: ")
        if line:
            # "connected to ws://...", "subscribed to Game where ...": the verb is the state.
            head, sep, _ = line.partition(" to ")
            self._model.state = head if sep and " " not in head else line
            self._model.dirty = True
        return len(text)

    def writable(self) -> bool:
        return True


def _console(env: Environment, *, color: bool, width: int | None = None) -> Console:
    from rich.console import Console

    return Console(
        file=env.stdout,
        width=width,
        color_system="standard" if color else None,
        force_terminal=env.stdout_isatty,
        highlight=False,
        emoji=False,
        markup=False,
    )


def print_once(env: Environment, plan: TailPlan, model: ResultTable, *, color: bool) -> int:
    """Read the result set once over REST and print the table; return the exit status."""
    asyncio.run(_load_once(plan, model))
    columns = env.env.get("COLUMNS", "")
    width = int(columns) if columns.isdigit() and int(columns) > 0 else None
    if width is None and not env.stdout_isatty:
        width = 120
    console = _console(env, color=color, width=width)
    with console.capture() as captured:
        console.print(model.render(live=False, color=color))
    # Rich pads every cell to its column's width; lines for pipes end at their text.
    lines = [model.header(live=False), *captured.get().rstrip("\n").split("\n")]
    env.stdout.write("".join(line.rstrip() + "\n" for line in lines))
    env.stdout.flush()
    return int(ExitStatus.SUCCESS)


async def _load_once(plan: TailPlan, model: ResultTable) -> None:
    from livequery_cli.cli.find_run import open_rest
    from livequery_cli.client.paged_find import find_pages

    query = plan.queries[0]
    rest, session = open_rest(plan.settings, plan.tls)
    try:
        order = [model.sort] if model.sort else None
        async for page in find_pages(rest, query.class_name, query.where, keys=query.keys,
                                     order=order):  # fmt: skip
            for obj in page:
                model.apply("snapshot", obj, snapshot=True)
    finally:
        await rest.close()
        if session is not None:
            await session.close()


class _ScreenSource:
    """Wraps the LiveQuery source: starts the redraw loop and the key reader with it."""

    def __init__(
        self,
        inner: EventSource,
        model: ResultTable,
        live: Live,
        runner: TailRunner,
        console: Console,
        key_fd: int | None,
        color: bool,
    ) -> None:
        self._color = color
        self._inner = inner
        self._model = model
        self._live = live
        self._runner = runner
        self._console = console
        self._key_fd = key_fd
        self._redraw: asyncio.Task[None] | None = None

    async def start(self, deliver: Deliver, fail: Callable[[BaseException], None]) -> None:
        loop = asyncio.get_running_loop()
        self._redraw = asyncio.ensure_future(self._redraw_loop())
        if self._key_fd is not None:
            loop.add_reader(self._key_fd, self._on_key)
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            # A resized terminal is redrawn at once, to its new size.
            loop.add_signal_handler(signal.SIGWINCH, self._resized)
        await self._inner.start(deliver, fail)

    def _resized(self) -> None:
        self._model.dirty = True

    async def stop(self) -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().remove_signal_handler(signal.SIGWINCH)
        if self._key_fd is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._key_fd)
        if self._redraw is not None:
            self._redraw.cancel()
            await asyncio.gather(self._redraw, return_exceptions=True)
        await self._inner.stop()

    def _on_key(self) -> None:
        import os

        assert self._key_fd is not None
        try:
            keys = os.read(self._key_fd, 64)
        except OSError:
            keys = b""
        if not keys:  # the terminal went away
            asyncio.get_running_loop().remove_reader(self._key_fd)
            return
        text = keys.decode("latin-1")
        for sequence, pages in _PAGE_KEYS.items():
            if sequence in text:
                self._model.scroll(pages)
                text = text.replace(sequence, "")
        for key in text:
            if key in "qQ":
                self._runner.finish(ExitStatus.SUCCESS)
            elif key in "sS":
                self._model.cycle_sort()
            elif key == " ":
                self._model.scroll(1)

    async def _redraw_loop(self) -> None:
        model = self._model
        last_rate = -1.0
        while True:
            model.expire()
            rate = model.events_per_second()
            if model.dirty or rate != last_rate:
                model.dirty = False
                last_rate = rate
                rows = max(1, self._console.height - 5)
                self._live.update(model.screen(max_rows=rows, color=self._color), refresh=True)
            await asyncio.sleep(1 / REFRESH_PER_SECOND)


def watch_live(env: Environment, plan: TailPlan, model: ResultTable, *, color: bool) -> int:
    """Run the live table until ``q``, a signal or an error; the terminal is always restored."""
    from rich.live import Live

    console = _console(env, color=color)
    key_fd, saved = _cbreak(env)
    try:
        with Live(console=console, screen=True, auto_refresh=False, transient=False) as live:
            status = _run_live(plan, model, live, console, key_fd, color)
    finally:
        _restore(key_fd, saved)
    return int(status)


def _run_live(
    plan: TailPlan,
    model: ResultTable,
    live: Live,
    console: Console,
    key_fd: int | None,
    color: bool,
) -> ExitStatus:
    from livequery_cli.cli.tail.livequery_source import LiveQuerySource
    from livequery_cli.cli.tail.resync_stage import SyncOptions, SyncStage
    from livequery_cli.cli.tail.runner import TailRunner
    from livequery_cli.cli.tail.status_line import StatusReporter

    status = StatusReporter(_StateLine(model))  # type: ignore[arg-type]
    runner = TailRunner(render=model, writer_stream=_NullSink())
    options = SyncOptions(snapshot=True, resync=True)

    def status_event(state: str, **fields: Any) -> None:
        model.state = state
        model.dirty = True

    def make_sync(fail: Callable[[BaseException], None]) -> SyncStage:
        return SyncStage(
            options,
            plan.settings,
            status=status,
            deliver_marked=runner.deliver_marked,
            status_event=status_event,
            fail=fail,
            tls=plan.tls,
        )

    # The runner writes status records only with --status-events; the header wants them all.
    source = LiveQuerySource(
        settings=plan.settings,
        queries=plan.queries,
        status=status,
        max_retries=None,
        urls=plan.urls,
        sync=make_sync,
        status_event=status_event,
        tls=plan.tls,
    )
    screen = _ScreenSource(source, model, live, runner, console, key_fd, color)
    return asyncio.run(runner.run(screen))


def _cbreak(env: Environment) -> tuple[int | None, Any]:
    """Put the terminal on stdin in cbreak mode (keys one by one, no echo; Ctrl-C still works)."""
    if not env.stdin_isatty:
        return None, None
    import termios
    import tty

    try:
        fd = env.stdin.fileno()
        saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)
    except (OSError, ValueError, termios.error):
        return None, None
    return fd, saved


def _restore(fd: int | None, saved: Any) -> None:
    if fd is None:
        return
    import termios

    with contextlib.suppress(OSError, termios.error):
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
