"""How names taken from a query appear in error messages.

Field names and unknown operators come from clients: quoted with ``repr`` (so
a newline cannot split the one-line message) and cut to a readable length.
"""

from __future__ import annotations

from typing import Final

__all__ = ["quoted"]

_MAX_NAME: Final = 60


def quoted(name: str) -> str:
    """``name`` as ``repr`` shows it, shortened with ``...`` past 60 characters."""
    if len(name) > _MAX_NAME:
        return repr(name[:_MAX_NAME]) + "..."
    return repr(name)
