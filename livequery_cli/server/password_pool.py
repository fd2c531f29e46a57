"""Password hashing off the event loop.

scrypt is made to be slow (about 25 ms a hash here, 16 MiB of memory): run on
the event loop, every login, sign-up and password change stopped the whole
server for that long, and one anonymous ``batch`` of 200 logins blocked even
``/health`` for 7 s. :class:`PasswordPool` runs the hashing in a small pool of
worker threads instead; ``hashlib.scrypt`` releases the GIL, so the event
loop keeps answering while a hash is computed. The pool is deliberately small:
on a 2-core machine one worker leaves a core to the event loop, and a flood
of logins queues for the pool instead of taking every core. Threads rather
than processes: measured with ``python -m bench.password_hashing`` on 2
cores (200 logins in flight), ``/health`` answered in 0.2 ms (median) and a
few ms (95th percentile) with either, worst cases 14-82 ms for both, against
a 460 ms median with hashing on the event loop; a process pool adds worker
processes and pickling and would fork a process that already runs threads.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import Executor, ThreadPoolExecutor

from livequery_cli.server.auth import PrehashedPassword, hash_password, verify_password


def default_workers() -> int:
    """One worker per core beyond the first, at least one, at most four."""
    return max(1, min(4, (os.cpu_count() or 2) - 1))


class PasswordPool:
    """scrypt hashing and checking in worker threads."""

    def __init__(self, workers: int | None = None, *, executor: Executor | None = None) -> None:
        """``executor`` replaces the thread pool (``bench/password_hashing.py`` compares kinds)."""
        self._executor = executor or ThreadPoolExecutor(
            max_workers=workers or default_workers(), thread_name_prefix="lq-password"
        )

    async def hash(self, password: str) -> PrehashedPassword:
        """The stored form of ``password``, ready for a ``_User`` write."""
        loop = asyncio.get_running_loop()
        stored = await loop.run_in_executor(self._executor, hash_password, password)
        return PrehashedPassword(stored)

    async def verify(self, password: str, stored: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, verify_password, password, stored)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
