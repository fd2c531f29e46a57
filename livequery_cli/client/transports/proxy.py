"""HTTP proxies: which one a URL goes through, and a CONNECT tunnel through it.

Behind a corporate proxy nothing reaches a hosted Parse Server directly. The
rule is the one curl, requests, httpx and websockets follow: an explicit
proxy wins; otherwise ``HTTPS_PROXY`` for ``https://``/``wss://`` targets,
``HTTP_PROXY`` for ``http://``/``ws://``, then ``ALL_PROXY`` (either case),
unless ``NO_PROXY`` lists the host. The WebSocket goes through a ``CONNECT``
tunnel (TLS, for ``wss://``, is then negotiated end to end through it); the
REST client hands the same proxy URL to aiohttp.

Only ``http://`` proxies are supported (the common corporate kind, and what
``HTTPS_PROXY=http://...`` means); credentials in the proxy URL become a
``Proxy-Authorization: Basic`` header and are never printed: messages name
the proxy with :func:`redact_proxy`.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import socket
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from livequery_cli.client.url_origin import origin_of
from livequery_cli.exceptions import ConfigError, TransportError

__all__ = ["open_tunnel", "proxy_authorization", "proxy_for", "redact_proxy"]

_SECURE = frozenset({"https", "wss"})
_MAX_RESPONSE_HEAD = 16 * 1024


def proxy_for(
    url: str, *, explicit: str | None = None, env: Mapping[str, str] | None = None
) -> str | None:
    """The proxy URL to reach ``url`` through, or None for a direct connection.

    ``explicit`` (a ``--proxy`` flag, a ``proxy=`` argument) wins; ``""``
    means "no proxy" even when the environment names one. ``env`` is where
    the standard variables are read (None: do not read any).
    """
    if explicit is not None:
        return _checked(explicit) if explicit else None
    if env is None:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme in _SECURE:
        names = ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")
    else:
        names = ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")
    chosen = next((env[name] for name in names if env.get(name)), None)
    if chosen is None or _bypassed(host, parts.port, env):
        return None
    return _checked(chosen)


def _bypassed(host: str, port: int | None, env: Mapping[str, str]) -> bool:
    """Whether ``NO_PROXY`` lists the host, as curl reads it.

    Entries are comma-separated: ``*`` (everything), a domain (``example.com``
    or ``.example.com``: that host and its subdomains), an address, a CIDR
    range (``10.0.0.0/8``), each optionally with ``:port``.
    """
    no_proxy = env.get("NO_PROXY") or env.get("no_proxy") or ""
    host = host.lower().strip("[]")
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        entry_port: int | None = None
        if entry.count(":") == 1 and entry.rsplit(":", 1)[1].isdigit():
            entry, port_text = entry.rsplit(":", 1)
            entry_port = int(port_text)
        if entry_port is not None and entry_port != port:
            continue
        entry = entry.strip("[]").lstrip(".")
        if _host_matches(host, entry):
            return True
    return False


def _host_matches(host: str, entry: str) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host == entry or host.endswith("." + entry)
    try:
        return address in ipaddress.ip_network(entry, strict=False)
    except ValueError:
        return False


def _checked(proxy: str) -> str:
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    if parts.scheme != "http" or not parts.hostname:
        raise ConfigError(
            f"unsupported proxy {redact_proxy(proxy)}: only http://host:port proxies are supported"
        )
    return parts.geturl()


def redact_proxy(proxy: str) -> str:
    """``scheme://host:port`` of a proxy URL: never its user name or password."""
    return origin_of(proxy if "://" in proxy else f"http://{proxy}", unknown_host="?")


def proxy_authorization(proxy: str) -> dict[str, str]:
    """``Proxy-Authorization: Basic`` for the credentials in a proxy URL (none: no header)."""
    parts = urlsplit(proxy)
    if parts.username is None:
        return {}
    secret = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return {"Proxy-Authorization": "Basic " + base64.b64encode(secret.encode()).decode()}


async def open_tunnel(proxy: str, host: str, port: int) -> socket.socket:
    """A connected socket to ``host:port`` through ``proxy``'s ``CONNECT`` (caller owns it)."""
    parts = urlsplit(proxy)
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(parts.hostname, parts.port or 80, type=socket.SOCK_STREAM)
    if not infos:
        raise TransportError(f"cannot resolve proxy {redact_proxy(proxy)}")
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setblocking(False)
    try:
        await loop.sock_connect(sock, address)
        authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        request = f"CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n"
        for name, value in proxy_authorization(proxy).items():
            request += f"{name}: {value}\r\n"
        await loop.sock_sendall(sock, (request + "\r\n").encode("latin-1"))
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = await loop.sock_recv(sock, 4096)
            if not chunk or len(head) > _MAX_RESPONSE_HEAD:
                raise TransportError(f"proxy {redact_proxy(proxy)} closed the tunnel request")
            head += chunk
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1", "replace")
        fields = status_line.split(" ", 2)
        if len(fields) < 2 or fields[1] != "200":
            raise TransportError(
                f"proxy {redact_proxy(proxy)} refused the tunnel to {authority}: {status_line}"
            )
        if head.index(b"\r\n\r\n") + 4 != len(head):
            raise TransportError(f"proxy {redact_proxy(proxy)} sent data before the tunnel opened")
    except BaseException:
        sock.close()
        raise
    return sock
