"""Exit statuses, and the one place that maps an exception to a status and a message.

Scripts branch on ``$?``, so every way ``lq`` can end has its own documented
number (docs/cli.md has the table; a test keeps the two in sync). Commands
raise the exceptions of ``livequery_cli.exceptions``; only ``classify`` decides
what the user sees and which status the process returns.
"""

from __future__ import annotations

import contextlib
import errno
from dataclasses import dataclass
from enum import IntEnum, unique
from typing import IO

from livequery_cli.cli.output.terminal_text import escape_text
from livequery_cli.exceptions import (
    AuthError,
    ConfigError,
    LiveQueryError,
    ProtocolError,
    QueryError,
    RestError,
    ServerError,
    TransportError,
    WhereSyntaxError,
)
from livequery_cli.parse.errors import ErrorCode


@unique
class ExitStatus(IntEnum):
    """How ``lq`` ended. Values are part of the CLI's public interface."""

    SUCCESS = 0
    """Finished normally: ``--count`` reached, stream closed, or stdout's reader went away."""
    ERROR = 1
    """Any failure without a more specific status."""
    USAGE = 2
    """Bad flags, a bad ``--where``, a query LiveQuery cannot run, a bad config file."""
    CONNECTION_FAILED = 3
    """The server could not be reached, or the connection was lost, after ``--max-retries``."""
    REFUSED = 4
    """The server refused the keys, the session token, or the permission to read the class."""
    TIME_LIMIT = 124
    """``--timeout`` or ``--idle`` ended the run (the status ``timeout(1)`` uses)."""
    SIGINT = 130
    """Interrupted by Ctrl-C (128 + SIGINT)."""
    SIGTERM = 143
    """Terminated by SIGTERM (128 + SIGTERM)."""


class UsageError(LiveQueryError):
    """A flag value that parsed but makes no sense (``--count 0``, a bad ``--template``)."""


# Server error codes that refuse *who* is asking or *what* they may read.
_REFUSAL_CODES = frozenset(
    {
        ErrorCode.LIVE_QUERY_KEYS,
        ErrorCode.OBJECT_NOT_FOUND,
        ErrorCode.OPERATION_FORBIDDEN,
        ErrorCode.SCRIPT_FAILED,
        ErrorCode.INVALID_SESSION_TOKEN,
    }
)
# Server error codes that reject the query itself: the user's input is wrong.
_BAD_QUERY_CODES = frozenset({ErrorCode.INVALID_QUERY})


@dataclass(frozen=True)
class Outcome:
    """The status for an exception, and the lines to print on stderr (possibly none)."""

    status: ExitStatus
    lines: tuple[str, ...]


def classify(
    exc: BaseException, *, profile: str | None = None, token_source: str | None = None
) -> Outcome:
    """Map any exception raised while running a command to its status and message.

    ``profile`` names the active profile so a refusal can say which
    credentials were refused and how to replace them; ``token_source`` says
    where the session token came from (``Settings``' source of it: ``flag
    --session-token``, ``env LQ_SESSION_TOKEN``...), so that a token given on
    the command line is not blamed on the profile.
    """
    if isinstance(exc, KeyboardInterrupt):
        return Outcome(ExitStatus.SIGINT, ())
    if isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE):
        # The reader of stdout went away (`| head`): that is a normal end.
        return Outcome(ExitStatus.SUCCESS, ())
    if isinstance(exc, WhereSyntaxError):
        return Outcome(
            ExitStatus.USAGE,
            (
                f"lq: error: {escape_text(str(exc))}",
                f"  {escape_text(exc.source)}",
                f"  {exc.caret_line()}",
            ),
        )
    if isinstance(exc, (QueryError, ConfigError, UsageError)):
        return Outcome(ExitStatus.USAGE, (f"lq: error: {escape_text(str(exc))}",))
    if isinstance(exc, AuthError) or (isinstance(exc, ServerError) and exc.code in _REFUSAL_CODES):
        return Outcome(ExitStatus.REFUSED, (_refusal_message(exc, profile, token_source),))
    if isinstance(exc, ServerError) and exc.code in _BAD_QUERY_CODES:
        return Outcome(ExitStatus.USAGE, (f"lq: error: query rejected: {escape_text(str(exc))}",))
    if isinstance(exc, RestError) and exc.code in _BAD_QUERY_CODES:
        return Outcome(ExitStatus.USAGE, (f"lq: error: query rejected: {escape_text(str(exc))}",))
    if isinstance(exc, RestError) and (
        exc.status in (401, 403) or exc.code == ErrorCode.OPERATION_FORBIDDEN
    ):
        return Outcome(ExitStatus.REFUSED, (_refusal_message(exc, profile, token_source),))
    if isinstance(exc, TransportError):
        return Outcome(ExitStatus.CONNECTION_FAILED, (f"lq: error: {escape_text(str(exc))}",))
    if isinstance(exc, (ServerError, ProtocolError, RestError, LiveQueryError)):
        return Outcome(ExitStatus.ERROR, (f"lq: error: {escape_text(str(exc))}",))
    if isinstance(exc, OSError):
        name = f": {exc.filename}" if exc.filename else ""
        return Outcome(ExitStatus.ERROR, (f"lq: error: {exc.strerror or exc}{name}",))
    return Outcome(
        ExitStatus.ERROR,
        (f"lq: internal error: {type(exc).__name__}: {escape_text(str(exc))}",),
    )


def _refusal_message(exc: BaseException, profile: str | None, token_source: str | None) -> str:
    """Name what was refused and the way out: a new login, or other keys."""
    code = getattr(exc, "code", None)
    who = f"profile {profile!r}" if profile else "the default profile"
    if code in (ErrorCode.INVALID_SESSION_TOKEN, ErrorCode.OBJECT_NOT_FOUND):
        login = "lq login" if profile in (None, "default") else f"lq login --profile {profile}"
        kind, _, name = (token_source or "").partition(" ")
        if kind == "flag":
            hint = f"the session token of the {name} flag is not valid"
        elif kind == "env":
            hint = f"the session token in {name} is not valid"
        else:
            hint = f"the session token of {who} is not valid; run `{login}`"
    elif code == ErrorCode.LIVE_QUERY_KEYS:
        hint = f"check the application id and keys of {who} (`lq config show`)"
    else:
        hint = f"{who} may not read this; check its session token or keys"
    return f"lq: error: refused by the server: {escape_text(str(exc))} [{hint}]"


def report(
    stderr: IO[str],
    exc: BaseException,
    *,
    profile: str | None = None,
    token_source: str | None = None,
) -> int:
    """Print ``exc``'s message on ``stderr`` and return its exit status (never raises)."""
    outcome = classify(exc, profile=profile, token_source=token_source)
    with contextlib.suppress(OSError, ValueError):
        for line in outcome.lines:
            stderr.write(line + "\n")
        stderr.flush()
    return int(outcome.status)
