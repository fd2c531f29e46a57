"""The socket under ``LiveQueryClient``, behind a three-method interface.

The client never imports a WebSocket library directly: it calls a
*connector* (``async (url) -> Transport``). The default connector opens a
``websockets`` connection with keepalive pings; tests and embedders can pass
any other (an in-memory pair, a proxy-aware socket...), the way httpx takes a
transport. A transport's ``recv`` raises when the connection is gone; only
``websockets``' ``ConnectionClosedOK`` counts as a clean close.
"""

from __future__ import annotations

import ssl as ssl_module
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidURI

from livequery_cli.exceptions import TransportError

__all__ = [
    "Connector",
    "Transport",
    "describe_close",
    "is_clean_close",
    "is_permanent_failure",
    "redact_url",
    "websocket_connector",
]


class Transport(Protocol):
    """What the client needs from an open socket."""

    async def send(self, message: str) -> None: ...

    async def recv(self) -> str | bytes: ...

    async def close(self) -> None: ...


Connector = Callable[[str], Awaitable[Transport]]


def websocket_connector(
    *,
    ping_interval: float | None = 20.0,
    ping_timeout: float | None = 20.0,
    close_timeout: float | None = 10.0,
    open_timeout: float | None = 10.0,
    ssl: ssl_module.SSLContext | None = None,
    max_size: int | None = 2**24,
) -> Connector:
    """The default connector: ``websockets`` with keepalive pings.

    Pings detect half-open sockets (a peer that vanished without closing):
    with no pong within ``ping_timeout`` the socket is closed, at most
    ``ping_interval + ping_timeout + close_timeout`` seconds after the peer
    went silent. ``ssl`` applies to ``wss://`` URLs (default: the system's
    trust store).
    """

    async def connect(url: str) -> Transport:
        # websockets refuses ssl= on ws:// and ssl=None on wss:// (it builds
        # the default context itself when the argument is absent).
        tls: dict[str, Any] = {}
        if ssl is not None and urlsplit(url).scheme == "wss":
            tls["ssl"] = ssl
        connection = await ws_connect(
            url,
            **tls,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            open_timeout=open_timeout,
            max_size=max_size,
            user_agent_header="livequery-cli",
            proxy=None,
        )
        return connection

    return connect


def redact_url(url: str) -> str:
    """The URL without credentials, query or fragment, fit for messages."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        return urlunsplit((parts.scheme, host, parts.path, "", ""))
    except ValueError:
        return "<invalid URL>"


def is_permanent_failure(exc: BaseException) -> bool:
    """Whether retrying the same connection attempt cannot succeed.

    Only a bad URL or a rejected TLS certificate qualify. Refused connections,
    timeouts and HTTP errors on the upgrade are retried: a restarting Parse
    Server accepts TCP and answers the upgrade with 404 until its LiveQuery
    server is attached.
    """
    return isinstance(exc, InvalidURI | ssl_module.SSLCertVerificationError | ValueError)


def is_clean_close(exc: BaseException | None) -> bool:
    return exc is None or isinstance(exc, ConnectionClosedOK)


def describe_close(exc: BaseException | None) -> str:
    """One line saying why a socket went away."""
    if exc is None:
        return "connection closed"
    if isinstance(exc, ConnectionClosed):
        frame = exc.rcvd or exc.sent
        if frame is None:
            return "connection lost without a close frame"
        reason = f": {frame.reason}" if frame.reason else ""
        return f"connection closed with code {frame.code}{reason}"
    return f"connection lost: {_one_line(exc)}"


def connect_error(url: str, exc: BaseException) -> TransportError:
    """The ``TransportError`` for a failed connection attempt."""
    return TransportError(f"cannot connect to {redact_url(url)}: {_one_line(exc)}")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
