"""Where Parse's LiveQuery endpoint is, given the REST URL.

The JS SDK derives the LiveQuery URL from ``serverURL`` by swapping the scheme
(``http`` -> ``ws``, ``https`` -> ``wss``) and keeping host, port and path.
The library's ``configure()`` and the CLI's profiles both need the rule, and
they must agree on what a bad URL is, so it lives here once.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["LIVE_QUERY_SCHEMES", "REST_SCHEMES", "BadUrlError", "live_query_url"]

REST_SCHEMES = ("http", "https")
LIVE_QUERY_SCHEMES = ("ws", "wss")
_WS_FOR = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


class BadUrlError(ValueError):
    """A URL that is not ``http(s)://host...`` (or already ``ws(s)://host...``)."""


def live_query_url(server_url: str) -> str:
    """The LiveQuery URL for a REST URL: ``http`` -> ``ws``, ``https`` -> ``wss``, path kept.

    A ``ws(s)://`` URL is returned as it is. Anything else raises
    :class:`BadUrlError` with a message that names the scheme, never the URL
    (it may carry credentials).
    """
    parts = urlsplit(server_url)
    scheme = _WS_FOR.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise BadUrlError(
            f"server_url must be an http(s):// URL, got {parts.scheme or 'no'} scheme"
        )
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))
