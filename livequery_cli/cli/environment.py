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

# Not ``typing.TYPE_CHECKING``: importing ``typing`` (and ``dataclasses``) here
# would cost a noticeable share of `lq --version`'s start-up.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import IO, Any, Literal

    ColorChoice = Literal["auto", "always", "never"]

COLOR_CHOICES: tuple[ColorChoice, ...] = ("auto", "always", "never")


def _isatty(stream: IO[str] | IO[bytes] | None) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (ValueError, OSError):  # closed or detached stream
        return False


class Environment:
    """Everything a command may read from or write to outside its arguments.

    ``stdout_bytes`` is the binary side of ``stdout``: the event hot path
    writes encoded bytes there so that text-layer encoding costs nothing.
    Every argument defaults to something inert (empty in-memory streams, no
    variables), which is what tests start from.
    """

    def __init__(
        self,
        *,
        stdin: IO[str] | None = None,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
        stdout_bytes: IO[bytes] | None = None,
        stdin_isatty: bool = False,
        stdout_isatty: bool = False,
        stderr_isatty: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.stdin: IO[str] = stdin if stdin is not None else io.StringIO()
        self.stdout: IO[str] = stdout if stdout is not None else io.StringIO()
        self.stderr: IO[str] = stderr if stderr is not None else io.StringIO()
        self.stdout_bytes = stdout_bytes
        self.stdin_isatty = stdin_isatty
        self.stdout_isatty = stdout_isatty
        self.stderr_isatty = stderr_isatty
        self.env: Mapping[str, str] = env if env is not None else {}
        # The arguments ``run`` was given: ``lq tail --also`` reads the order of
        # its flags from them, which Click's parsed values do not keep.
        self.argv: list[str] | None = None

    def __repr__(self) -> str:
        # Never the variables: they may hold secrets (LQ_MASTER_KEY).
        return (
            f"Environment(stdout_isatty={self.stdout_isatty}, "
            f"stderr_isatty={self.stderr_isatty}, {len(self.env)} variables)"
        )

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

    def with_env(self, env: Mapping[str, str]) -> Environment:
        """The same streams and terminal flags with other variables (``lq demo``'s own)."""
        copy = Environment(
            stdin=self.stdin,
            stdout=self.stdout,
            stderr=self.stderr,
            stdout_bytes=self.stdout_bytes,
            stdin_isatty=self.stdin_isatty,
            stdout_isatty=self.stdout_isatty,
            stderr_isatty=self.stderr_isatty,
            env=env,
        )
        copy.argv = self.argv
        return copy

    def binary_stdout(self) -> IO[bytes]:
        """Where event bytes go: the binary buffer under ``stdout`` when it has one."""
        if self.stdout_bytes is not None:
            return self.stdout_bytes
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is not None:
            return buffer  # type: ignore[no-any-return]
        adapter: IO[bytes] = _TextBytesAdapter(self.stdout)  # type: ignore[assignment]
        return adapter

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


def current_environment(ctx: Any) -> Environment:
    """The ``Environment`` given to ``run()`` (the root context's ``obj``), or the real one."""
    root = ctx.find_root()
    if isinstance(root.obj, Environment):
        return root.obj
    env = Environment.from_process()
    root.obj = env
    return env
