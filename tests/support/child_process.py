"""Child processes that cannot outlive the test run.

Every server the rig starts (PostgreSQL, Parse Server, Redis, the JS SDK
subscriber) is a direct child of the test process and asks Linux to SIGKILL it
when its parent dies (``PR_SET_PDEATHSIG``), so a test run that is itself
killed, by a timeout or by hand, leaves no server behind to hold ports and
memory on a two-core machine.

Linux sends the signal when the *thread* that forked the child exits, not the
process. A child started from a short-lived worker thread (``asyncio.to_thread``
in an async test) would die with that thread, so the request is made only for
children started from the main thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import threading
from collections.abc import Callable

_PR_SET_PDEATHSIG = 1


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (servers that can bind port 0 should)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the forked child before exec: ask for SIGKILL when the parent thread dies."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def child_preexec() -> Callable[[], None] | None:
    """The ``preexec_fn`` for a rig child: tie it to the main thread's life, if that is us.

    The hook only calls ``prctl`` (async-signal-safe in practice), and the rig
    starts no threads of its own, so using ``preexec_fn`` here is safe.
    """
    if threading.current_thread() is threading.main_thread():
        return _die_with_parent
    return None


def discard(process: subprocess.Popen[str] | subprocess.Popen[bytes] | None) -> None:
    """SIGKILL ``process`` if it still runs, reap it and close its stdout pipe."""
    if process is None:
        return
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)
    if process.stdout is not None:
        process.stdout.close()
