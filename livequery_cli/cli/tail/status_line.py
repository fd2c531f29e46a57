"""Connection status on stderr: one line per change of state, never on stdout.

A tail that silently stops receiving is worse than one that fails, so every
transition is reported (``connected``, ``subscribed``, ``disconnected (why)``,
``reconnecting in N s (attempt k)``, ``reconnected``). ``-q`` silences the
reporter; warnings and errors are printed by the caller regardless.
"""

from __future__ import annotations

from typing import IO

from livequery_cli.cli.output.terminal_text import escape_text

_DIM = "\x1b[2m"
_YELLOW = "\x1b[33m"
_RESET = "\x1b[0m"


class StatusReporter:
    """Writes state changes to ``stream``; repeated identical states print once."""

    def __init__(self, stream: IO[str], *, quiet: bool = False, color: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet
        self._color = color
        self._last: str | None = None
        self.ever_connected = False
        self.disconnected = False

    def _emit(self, text: str, *, alert: bool = False) -> None:
        if self._quiet or text == self._last:
            return
        self._last = text
        line = f"lq: {text}"
        if self._color:
            line = f"{_YELLOW if alert else _DIM}{line}{_RESET}"
        try:
            self._stream.write(line + "\n")
            self._stream.flush()
        except (OSError, ValueError):
            self._quiet = True  # stderr is gone: nothing left to tell

    def connected(self, url: str) -> None:
        if self.disconnected:
            self.disconnected = False
            self._emit(f"reconnected to {escape_text(url)}")
        else:
            self._emit(f"connected to {escape_text(url)}")
        self.ever_connected = True

    def subscribed(self, class_name: str, description: str) -> None:
        self._emit(f"subscribed to {escape_text(class_name)}{description}")

    def unsubscribed(self, class_name: str) -> None:
        self._emit(f"unsubscribed from {escape_text(class_name)}")

    def lost(self, reason: str) -> None:
        self.disconnected = True
        self._emit(f"disconnected ({escape_text(reason)})", alert=True)

    def attempt_failed(self, reason: str) -> None:
        """A connection attempt failed (the reason says so: ``cannot connect to ...``)."""
        self._emit(escape_text(reason), alert=True)

    def reconnecting(self, delay: float, attempt: int) -> None:
        self._emit(f"reconnecting in {delay:.1f} s (attempt {attempt})", alert=True)

    def resynced(self, text: str) -> None:
        """``reconnected after 4.1 s: resynced 2 updates, 1 leave`` (an alert: data was missed)."""
        self._emit(escape_text(text), alert=True)

    def note(self, text: str) -> None:
        self._emit(escape_text(text))
