"""A URL's origin (scheme, host, port): what may be printed, and where credentials may go.

Two rules share it. Error messages and ``repr``s name a server or proxy by
its origin alone, never its path, query or user info (a proxy URL may carry a
password). And REST follows a redirect only to the same origin, so the master
key and session token are never re-sent to another server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["origin_of", "same_origin"]

_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def origin_of(url: str, *, unknown_host: str = "") -> str:
    """``scheme://host:port`` of ``url`` (a port only when the URL names one)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or unknown_host}{port}"


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs have the same scheme, host and port (so credentials may follow)."""
    one, two = urlsplit(a), urlsplit(b)
    return (one.scheme, one.hostname, _port(one.scheme, one.port)) == (
        two.scheme,
        two.hostname,
        _port(two.scheme, two.port),
    )


def _port(scheme: str, port: int | None) -> int | None:
    return port if port is not None else _DEFAULT_PORTS.get(scheme)
