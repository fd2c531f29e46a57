"""SIGINT and SIGTERM as an event, for the servers' serve-until-stopped loops.

``lq serve`` and ``lq serve --parse-server`` both run until Ctrl-C or
SIGTERM and then shut down cleanly (clients get 1001). The handlers are
removed when the block ends, before the shutdown, so a second Ctrl-C during
a slow shutdown still interrupts the process the default way.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator

__all__ = ["stop_signals"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.asynccontextmanager
async def stop_signals() -> AsyncIterator[asyncio.Event]:
    """An event that SIGINT or SIGTERM sets while the block runs."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in _SIGNALS:
        # Not on Windows, nor outside the main thread (tests run servers there).
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        yield stop
    finally:
        for signum in _SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signum)
