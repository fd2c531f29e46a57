"""The socket under ``LiveQueryClient``, behind a three-method interface.

The client never imports a WebSocket library directly: it calls a
*connector* (``async (url) -> Transport``). The default connector opens a
``livequery_cli.client.transports.websocket.WebSocketConnection`` (``websockets``' sans-I/O
protocol under an ``asyncio.Protocol``, with keepalive pings); tests and
embedders can pass any other (an in-memory pair, a proxy-aware socket...), the
way httpx takes a transport. A transport's ``recv`` raises when the connection
is gone; only ``websockets``' ``ConnectionClosedOK`` counts as a clean close.

A transport may also offer ``recv_batch() -> list[str | bytes]`` (every
message already received, at least one): the client then digests a whole TCP
chunk of frames per wake-up instead of one frame per ``recv``. It is optional
so that a three-method fake stays a complete transport.
"""

from __future__ import annotations

import os
import ssl as ssl_module
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from websockets.exceptions import ConnectionClosed, ConnectionClosedOK, InvalidURI

from livequery_cli.client.transports.websocket import open_websocket
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
    proxy: str | None = None,
    proxy_env: Mapping[str, str] | None = os.environ,
) -> Connector:
    """The default connector: a ``WebSocketConnection`` with keepalive pings.

    Pings detect half-open sockets (a peer that vanished without closing):
    with no pong within ``ping_timeout`` the socket is closed, at most
    ``ping_interval + ping_timeout + close_timeout`` seconds after the peer
    went silent. ``ssl`` applies to ``wss://`` URLs (default: the system's
    trust store).

    Proxies: ``proxy`` (``http://[user:password@]host:port``) carries every
    connection; ``""`` forces direct connections. Otherwise the standard
    variables in ``proxy_env`` (``HTTPS_PROXY`` for ``wss://``, ``HTTP_PROXY``
    for ``ws://``, ``ALL_PROXY``, ``NO_PROXY``; default: the process
    environment, as websockets and httpx do) decide per URL; ``proxy_env=None``
    ignores them.
    """
    from livequery_cli.client.transports.proxy import proxy_for

    async def connect(url: str) -> Transport:
        return await open_websocket(
            url,
            ssl=ssl,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            close_timeout=close_timeout,
            open_timeout=open_timeout,
            max_size=max_size,
            proxy=proxy_for(url, explicit=proxy, env=proxy_env),
        )

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
