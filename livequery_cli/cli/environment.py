"""The process context a command runs in: streams, tty flags, environment variables.

Commands never touch ``sys.stdout`` or ``os.environ`` directly; they read an
``Environment``. The real one is built once in ``main()``; tests build their
own with in-memory streams and a plain dict of variables, which is how the CLI
gets exact-output tests without monkeypatching the interpreter.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Literal, cast

ColorChoice = Literal["auto", "always", "never"]
COLOR_CHOICES: tuple[ColorChoice, ...] = ("auto", "always", "never")


def _isatty(stream: IO[str] | IO[bytes] | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):  # closed or detached stream
        return False


@dataclass
class Environment:
    """Everything a command may read from or write to outside its arguments.

    ``stdout_bytes`` is the binary side of ``stdout``: the event hot path
    writes encoded bytes there so that text-layer encoding costs nothing.
    """

    stdin: IO[str] = field(default_factory=lambda: io.StringIO())
    stdout: IO[str] = field(default_factory=lambda: io.StringIO())
    stderr: IO[str] = field(default_factory=lambda: io.StringIO())
    stdout_bytes: IO[bytes] | None = None
    stdin_isatty: bool = False
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    env: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_process(cls) -> Environment:
        """The real process: ``sys`` streams and ``os.environ``."""
        stdout = sys.stdout
        return cls(
            stdin=sys.stdin,
            stdout=stdout,
            stderr=sys.stderr,
            stdout_bytes=getattr(stdout, "buffer", None),
            stdin_isatty=_isatty(sys.stdin),
            stdout_isatty=_isatty(stdout),
            stderr_isatty=_isatty(sys.stderr),
            env=os.environ,
        )

    def binary_stdout(self) -> IO[bytes]:
        """Where event bytes go: the binary buffer under ``stdout`` when it has one."""
        if self.stdout_bytes is not None:
            return self.stdout_bytes
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is not None:
            return buffer  # type: ignore[no-any-return]
        return cast("IO[bytes]", _TextBytesAdapter(self.stdout))

    def use_color(self, choice: ColorChoice, *, stream: Literal["stdout", "stderr"]) -> bool:
        """Decide whether ANSI colors go to ``stream``.

        An explicit ``--color always|never`` wins. In ``auto`` mode the
        conventions apply in this order: ``NO_COLOR`` (any non-empty value)
        disables, ``FORCE_COLOR`` (non-empty, not ``0``) enables,
        ``TERM=dumb`` disables, and otherwise colors follow whether the stream
        is a terminal.
        """
        if choice == "always":
            return True
        if choice == "never":
            return False
        if self.env.get("NO_COLOR"):
            return False
        force = self.env.get("FORCE_COLOR")
        if force and force != "0":
            return True
        if self.env.get("TERM") == "dumb":
            return False
        return self.stdout_isatty if stream == "stdout" else self.stderr_isatty


class _TextBytesAdapter:
    """Lets byte writers target a text-only stream (tests' ``StringIO``)."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text

    def write(self, data: bytes) -> int:
        self._text.write(data.decode("utf-8", "replace"))
        return len(data)

    def flush(self) -> None:
        self._text.flush()
