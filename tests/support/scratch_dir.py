"""Temporary directories for rig servers that clean up after runs which could not.

A test run that is killed (SIGKILL, a CI time-out) never reaches its teardown,
and its servers' directories (a PostgreSQL cluster is ~40 MB) would pile up in
/tmp. Each directory therefore records the process that owns it, and making a
new one first deletes those of the same kind whose owner is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

_OWNER_FILE = "owner.pid"
#: A directory younger than this may still be between mkdtemp and its owner file.
_GRACE_S = 60.0


def _owner_alive(directory: Path) -> bool:
    try:
        pid = int((directory / _OWNER_FILE).read_text().strip())
    except (OSError, ValueError):
        # No owner file: only a directory being created right now is spared.
        with contextlib.suppress(OSError):
            return time.time() - directory.stat().st_mtime < _GRACE_S
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(prefix: str, parent: Path) -> None:
    """Delete ``parent/prefix*`` directories whose owning process has exited."""
    with contextlib.suppress(OSError):
        for directory in parent.glob(f"{prefix}*"):
            if directory.is_dir() and not _owner_alive(directory):
                shutil.rmtree(directory, ignore_errors=True)


def make_scratch_dir(prefix: str, parent: str | None = None) -> Path:
    """A new directory under ``parent`` (default: the temp dir) owned by this process."""
    base = Path(parent or tempfile.gettempdir())
    sweep_stale(prefix, base)
    directory = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    (directory / _OWNER_FILE).write_text(str(os.getpid()))
    return directory
