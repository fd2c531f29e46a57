"""Which web pages may drive ``lq serve``: ``Host`` and ``Origin`` checks.

A server on a developer's loopback interface is reachable from every web page
the developer opens. Without checks, a page could drive it with "simple"
cross-site requests (the JS SDK's own ``text/plain`` POST style needs no
preflight, and the default application id ``lq`` is well known), open a
LiveQuery WebSocket (browsers do not apply CORS to WebSockets), or, through
DNS rebinding, talk to it as if it were its own origin. So, modelled on the
development servers of Vite (``server.allowedHosts``) and Jupyter
(``allow_remote_access``, ``allow_origin``), when ``lq serve`` is bound to a
loopback address:

* the ``Host`` header must name this machine (``localhost``, ``*.localhost``
  or a loopback address); a rebound name such as ``evil.example`` is refused
  with 403. A request without ``Host`` (not a browser) passes. The port is
  not checked: an attacker cannot put a loopback name in ``Host`` (that is
  what rebinding needs a name of its own for), a page on another local port
  is let in by the ``Origin`` rule below anyway, and SSH tunnels, port
  forwards and local proxies (the fault proxy of the test suite among them)
  reach the server under another port.
* a request carrying an ``Origin`` header (every cross-site request a
  browser makes, and every WebSocket upgrade it makes) must come from a
  loopback origin (any port: a local web app on another port is the normal
  case) or from an origin given with ``--allow-origin``; others get 403
  before anything runs. Requests without ``Origin`` (the CLI, the Python
  library, the JS SDK in Node, curl) pass.

``--allow-origin '*'`` turns both checks off. A server bound to another
address is meant to be public and keeps Parse Server's behaviour (any origin,
CORS ``*``), unless ``--allow-origin`` lists origins: then only those, and
requests without ``Origin``, are served.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

from livequery_cli.exceptions import ConfigError

ANY_ORIGIN = "*"
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def is_loopback_host(host: str) -> bool:
    """Whether a host name or address can only be reached from this machine."""
    name = host.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def normalize_origin(origin: str) -> str:
    """``scheme://host[:port]``, lower-case, default port dropped; ConfigError if not an origin."""
    text = origin.strip()
    if text == ANY_ORIGIN:
        return ANY_ORIGIN
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or not parts.scheme
        or not parts.hostname
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ConfigError(
            f"--allow-origin takes an origin such as http://localhost:5173 (or '*'), got {origin!r}"
        )
    return _origin_key(parts.scheme, parts.hostname, port)


def _origin_key(scheme: str, hostname: str, port: int | None) -> str:
    scheme = scheme.lower()
    host = hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _host_name(value: str) -> str | None:
    """The host name of a ``Host`` header (port dropped); None when malformed."""
    try:
        parts = urlsplit(f"http://{value.strip()}")
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if not parts.hostname or parts.path or parts.query or parts.username is not None:
        return None
    return parts.hostname


class OriginGuard:
    """Decides, from the ``Host`` and ``Origin`` headers, whether to serve a request."""

    def __init__(self, bound_host: str, allowed_origins: Iterable[str] = ()) -> None:
        allowed = {normalize_origin(o) for o in allowed_origins}
        self.any_origin = ANY_ORIGIN in allowed
        self.allowed = frozenset(allowed - {ANY_ORIGIN})
        self.local = is_loopback_host(bound_host) and not self.any_origin
        self.checks_origin = self.local or (bool(self.allowed) and not self.any_origin)

    def refusal(self, host: str | None, origin: str | None) -> str | None:
        """Why the request must be refused (a one-line reason), or None to serve it."""
        if self.local and host is not None and not self._host_ok(host):
            return "this server only answers requests addressed to localhost (Host header refused)"
        if self.checks_origin and origin is not None and not self._origin_ok(origin):
            return "this origin may not use this server (start lq serve with --allow-origin)"
        return None

    def _host_ok(self, host: str) -> bool:
        hostname = _host_name(host)
        return hostname is not None and is_loopback_host(hostname)

    def _origin_ok(self, origin: str) -> bool:
        try:
            parts = urlsplit(origin.strip())
            port = parts.port
        except ValueError:
            return False
        if not parts.scheme or not parts.hostname:
            return False  # includes "null" (sandboxed frames, file: pages)
        if _origin_key(parts.scheme, parts.hostname, port) in self.allowed:
            return True
        return self.local and parts.scheme in ("http", "https") and is_loopback_host(parts.hostname)
