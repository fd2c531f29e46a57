r"""Every error `lq` raises, in one tree.

Callers catch the branch they can act on; the CLI maps each branch to one exit
status in a single place (``livequery_cli.cli.exit_status``)::

    LiveQueryError
    ├── TransportError            the socket could not be opened, or was lost
    │   └── ConnectionFailedError     retries exhausted (``max_retries``)
    ├── ProtocolError             the peer sent a frame we cannot use
    ├── ServerError               an ``error`` frame: ``code``, ``reconnect``, ``request_id``
    │   └── AuthError                 the server refused the keys or the session token
    │       │                         (codes 4 and 209, REST 209 / 101 on login)
    │       └── RestAuthError             the REST API refused them: also has ``status``
    ├── RestError                 a REST call failed: ``status`` and Parse ``code``
    ├── InvalidStateError         an operation the client's current state forbids
    ├── SubscriptionOverflowError a consumer fell ``max_queue`` events behind (``overflow="error"``)
    ├── QueryError                a query that cannot be built or evaluated (also a ValueError)
    │   ├── QueryTypeError            an argument of the wrong type, an unencodable value
    │   │                             (also a TypeError)
    │   └── WhereSyntaxError          a ``--where`` expression that does not parse
    └── ConfigError               a bad setting or argument: URL, app id, option, event
                                  name, config file, profile (also a ValueError)

``QueryError`` and ``ConfigError`` are ``ValueError``\ s too (and
``QueryTypeError`` a ``TypeError``), so code written against the built-in
exceptions keeps working; ``except LiveQueryError`` catches everything.

Messages never contain secrets (master key, session tokens): they are built
from codes and server messages, never from request payloads.
"""

from __future__ import annotations

import unicodedata

from livequery_cli.parse.errors import AUTH_CODES

__all__ = [
    "AuthError",
    "ConfigError",
    "ConnectionFailedError",
    "InvalidStateError",
    "LiveQueryError",
    "ProtocolError",
    "QueryError",
    "QueryTypeError",
    "RestAuthError",
    "RestError",
    "ServerError",
    "SubscriptionOverflowError",
    "TransportError",
    "WhereSyntaxError",
]


class LiveQueryError(Exception):
    """Root of every error raised by `lq`."""


class TransportError(LiveQueryError):
    """The WebSocket could not be opened, or was lost."""


class ConnectionFailedError(TransportError):
    """Reconnecting gave up after the configured number of attempts."""

    def __init__(self, message: str, *, attempts: int) -> None:
        super().__init__(message)
        self.attempts = attempts


class ProtocolError(LiveQueryError):
    """A frame that is not valid LiveQuery protocol (bad JSON, unknown op, missing field)."""


class ServerError(LiveQueryError):
    """The server answered with an ``error`` frame.

    ``reconnect`` is the server's own verdict: when false, retrying the same
    request cannot succeed, so the client does not retry.
    """

    def __init__(
        self, message: str, *, code: int, reconnect: bool, request_id: int | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reconnect = reconnect
        self.request_id = request_id

    def __str__(self) -> str:
        return f"{self.args[0]} (code {self.code})"

    def __repr__(self) -> str:
        request = f", request_id={self.request_id}" if self.request_id is not None else ""
        return f"{type(self).__name__}({self.args[0]!r}, code={self.code}{request})"


class AuthError(ServerError):
    """The server refused the application keys (code 4) or the session token (code 209)."""


class RestAuthError(AuthError):
    """A REST call was refused for who is asking: invalid session token (209), failed login (101).

    An ``AuthError`` (not a ``RestError``) so that one ``except AuthError``
    handles a dead token whichever channel noticed it; ``status`` is the HTTP status.
    """

    def __init__(self, message: str, *, status: int, code: int) -> None:
        super().__init__(message, code=code, reconnect=False)
        self.status = status

    def __str__(self) -> str:
        return f"{self.args[0]} (HTTP {self.status}, code {self.code})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.args[0]!r}, status={self.status}, code={self.code})"


class RestError(LiveQueryError):
    """A REST call returned an error (HTTP ``status`` and Parse ``code``)."""

    def __init__(self, message: str, *, status: int, code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code

    def __str__(self) -> str:
        where = f"HTTP {self.status}" + (f", code {self.code}" if self.code is not None else "")
        return f"{self.args[0]} ({where})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.args[0]!r}, status={self.status}, code={self.code})"


class InvalidStateError(LiveQueryError):
    """The operation is not allowed in the client's or subscription's current state."""


class SubscriptionOverflowError(LiveQueryError):
    """A subscription's consumer fell ``max_queue`` events behind, so it was ended.

    Raised by the subscription's iterator once the events buffered before the
    overflow are consumed (policy ``overflow="error"``, the default): a consumer
    that stops reading loses its own subscription instead of stalling the
    other subscriptions of the connection.
    """

    def __init__(self, message: str, *, request_id: int, max_queue: int) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.max_queue = max_queue


class QueryError(LiveQueryError, ValueError):
    """A query that cannot be built or that LiveQuery cannot evaluate (``$inQuery``, say).

    Also a ``ValueError``: ``Query.or_`` across classes, a bad regex flag.
    """


class QueryTypeError(QueryError, TypeError):
    """A query argument of the wrong type: an unencodable value, a non-string field name."""


class WhereSyntaxError(QueryError):
    """A ``--where`` expression that does not parse.

    ``source`` is the text and ``start``/``end`` the offending span, so the
    CLI can underline it with ``^^^``.
    """

    def __init__(self, message: str, *, source: str, start: int, end: int) -> None:
        super().__init__(message)
        self.source = source
        self.start = start
        self.end = max(end, start + 1)

    def caret_line(self) -> str:
        """Spaces as wide as the source before the bad span, then ``^`` under it.

        Widths follow what a terminal shows: a tab stays a tab (so it expands
        the same way in both lines), and East Asian wide characters take two
        columns, so the carets stay under the bad token.
        """
        pad = "".join(_blank(ch) for ch in self.source[: self.start])
        width = sum(len(_blank(ch)) for ch in self.source[self.start : self.end])
        return pad + "^" * max(width, 1)


class ConfigError(LiveQueryError, ValueError):
    """A bad setting or argument: a URL, an empty app id, an option, an event name, a profile.

    Also a ``ValueError``, which is what such mistakes raise in Python.
    """


def server_error(
    message: str, *, code: int, reconnect: bool, request_id: int | None = None
) -> ServerError:
    """Build the most specific ``ServerError`` for an error frame."""
    cls = AuthError if code in AUTH_CODES else ServerError
    return cls(message, code=code, reconnect=reconnect, request_id=request_id)


def _blank(ch: str) -> str:
    """The blank that takes the same room as ``ch`` on a terminal."""
    if ch == "\t":
        return "\t"
    return "  " if unicodedata.east_asian_width(ch) in ("W", "F") else " "
