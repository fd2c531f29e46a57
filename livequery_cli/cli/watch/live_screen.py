"""The full-screen loop of ``lq watch``: redraw at a bounded rate, read keys, always restore.

Events may arrive at tens of thousands per second; the screen is redrawn at
most ``MAX_FPS`` times a second, and only when something changed (or a mark
faded), so rendering costs the same whatever the event rate. Keys are read
from the terminal in cbreak mode: ``q`` quits, ``s`` cycles the sort column,
``j``/``k``, arrows and PageUp/PageDown scroll. Whatever ends the loop
(``q``, Ctrl-C, SIGTERM, an error), the ``finally`` blocks give the terminal
back: main screen, cursor shown, the original tty mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import IO, Any

from livequery_cli.cli.watch.result_table import ResultTable

__all__ = ["MAX_FPS", "run_screen"]

MAX_FPS = 10
_KEYS = {
    b"j": 1,
    b"k": -1,
    b"\x1b[B": 1,
    b"\x1b[A": -1,
    b"\x1b[6~": 20,
    b"\x1b[5~": -20,
    b" ": 20,
}


async def run_screen(
    table: ResultTable,
    feed: Callable[[Callable[[], None]], Awaitable[None]],
    *,
    stdin: IO[str],
    stdout: IO[str],
) -> str:
    """Show ``table`` until ``q``/Ctrl-C/SIGTERM or until ``feed`` ends (it raises on errors).

    ``feed(changed)`` applies events to ``table`` and calls ``changed()`` after each.
    Returns why it stopped: ``"quit"`` (the ``q`` key), ``"SIGINT"``, ``"SIGTERM"``.
    """
    from rich.console import Console
    from rich.live import Live

    console = Console(file=stdout, force_terminal=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    dirty = asyncio.Event()
    dirty.set()
    reason = ["quit"]

    def stop_for(why: str) -> None:
        reason[0] = why
        stop.set()

    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop_for, signum.name)

    def on_key(data: bytes) -> None:
        if data in (b"q", b"Q"):
            stop_for("quit")
        elif data == b"\x03":
            stop_for("SIGINT")
        elif data in (b"s", b"S"):
            table.cycle_sort()
        elif data in _KEYS:
            table.scroll(_KEYS[data])
        dirty.set()

    feeding = asyncio.ensure_future(feed(dirty.set))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        with (
            _cbreak(stdin, on_key, loop),
            Live(console=console, screen=True, auto_refresh=False, redirect_stdout=False) as live,
        ):
            while not stop.is_set() and not feeding.done():
                table.expire()
                live.update(table.render(console.size.height - 6), refresh=True)
                dirty.clear()
                await asyncio.sleep(1 / MAX_FPS)
                waiting = asyncio.ensure_future(dirty.wait())
                marks = any(row.mark for row in table.rows.values())
                await asyncio.wait(
                    {waiting, stopping, feeding},
                    timeout=0.5 if marks else 1.0,  # marks fade, events/s decays
                    return_when=asyncio.FIRST_COMPLETED,
                )
                waiting.cancel()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
        stopping.cancel()
        if not feeding.done():
            feeding.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feeding
    if feeding.done() and not feeding.cancelled():
        feeding.result()  # an error that ended the feed ends the command with it
    return reason[0]


@contextlib.contextmanager
def _cbreak(
    stdin: IO[str], on_key: Callable[[bytes], None], loop: asyncio.AbstractEventLoop
) -> Any:
    """Read single keys from the terminal (cbreak mode, no echo); restore the mode after."""
    try:
        fd = stdin.fileno()
    except (OSError, ValueError, AttributeError):
        yield
        return
    if not os.isatty(fd) or sys.platform == "win32":
        yield
        return
    import termios
    import tty

    saved = termios.tcgetattr(fd)

    def readable() -> None:
        try:
            data = os.read(fd, 32)
        except OSError:
            return
        if data:
            on_key(data)

    try:
        tty.setcbreak(fd)
        loop.add_reader(fd, readable)
        yield
    finally:
        loop.remove_reader(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
