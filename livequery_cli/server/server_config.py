"""Settings of one ``lq serve`` instance, and where each one comes from.

Options come from command-line flags, then ``LQ_*`` environment variables,
then built-in defaults. The master key is a secret: it may come from a file
(``--master-key-file``) so it never has to appear in ``ps`` output, and the
``repr`` of a config never shows it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from livequery_cli.exceptions import ConfigError
from livequery_cli.server.origin_guard import normalize_origin

DEFAULT_PORT = 1337
DEFAULT_HOST = "127.0.0.1"
DEFAULT_DB = "lq.sqlite"
DEFAULT_APP_ID = "lq"
DEFAULT_MOUNT = "/parse"
DEFAULT_MAX_FRAME_BYTES = 1 << 20
DEFAULT_MAX_SUBSCRIPTIONS = 1000
DEFAULT_PING_INTERVAL = 10.0
DEFAULT_QUEUE_LIMIT = 10_000
DEFAULT_QUEUE_BYTES_LIMIT = 32 << 20
DEFAULT_FIND_LIMIT = 100
DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 256
# What one connection's subscriptions may hold, as estimated from their
# queries before compiling (livequery_cli.matching.query_cost).
DEFAULT_SUBSCRIPTION_MEMORY = 64 << 20
DEFAULT_HEADER_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_MAX_PENDING_CONNECTIONS = 512
DEFAULT_LOGIN_FAILURES_PER_USERNAME = 10
DEFAULT_LOGIN_FAILURES_PER_ADDRESS = 50


@dataclass(frozen=True)
class ServerConfig:
    """Everything the server needs to start; immutable once built."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    db: str = DEFAULT_DB
    app_id: str = DEFAULT_APP_ID
    master_key: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    js_key: str | None = field(default=None, repr=False)
    mount: str = DEFAULT_MOUNT
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES
    max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS
    # LiveQuery liveness (server.ping_sweeper): a connection silent this long gets a ping,
    # and is dropped if still silent one interval later. None or 0: no pings.
    ping_interval: float | None = DEFAULT_PING_INTERVAL
    queue_limit: int = DEFAULT_QUEUE_LIMIT
    queue_bytes_limit: int = DEFAULT_QUEUE_BYTES_LIMIT
    max_connections_per_address: int = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS
    subscription_memory: int = DEFAULT_SUBSCRIPTION_MEMORY
    allow_client_class_creation: bool = True
    redis_url: str | None = field(default=None, repr=False)  # publish writes as Parse does
    # Slow clients (slowloris): a connection must send whole request headers within
    # header_timeout of opening (or of its previous answer), and a whole body within
    # body_timeout; at most max_pending_connections wait for a request at once.
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    max_pending_connections: int = DEFAULT_MAX_PENDING_CONNECTIONS
    # Password guessing: failed logins allowed per minute for one username / one address.
    login_failures_per_username: int = DEFAULT_LOGIN_FAILURES_PER_USERNAME
    login_failures_per_address: int = DEFAULT_LOGIN_FAILURES_PER_ADDRESS
    # Web origins allowed besides loopback ones ("*": any origin, any Host); see origin_guard.
    allow_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be between 0 and 65535, got {self.port}")
        if not self.mount.startswith("/") or (len(self.mount) > 1 and self.mount.endswith("/")):
            raise ConfigError(f"mount path must start with '/' and not end with it: {self.mount!r}")
        if not self.app_id:
            raise ConfigError("the application id must not be empty")
        if not self.master_key:
            raise ConfigError("the master key must not be empty")
        if self.max_frame_bytes < 1024:
            raise ConfigError("the frame size limit must be at least 1024 bytes")
        if self.max_subscriptions < 1:
            raise ConfigError("the subscription limit must be at least 1")
        if self.max_connections_per_address < 1:
            raise ConfigError("the connections-per-address limit must be at least 1")
        if self.subscription_memory < 1 << 20:
            raise ConfigError("the subscription memory budget must be at least 1 MiB")
        if not (self.header_timeout > 0 and self.body_timeout > 0):
            raise ConfigError("the header and body timeouts must be positive")
        if self.max_pending_connections < 1:
            raise ConfigError("the pending-connections limit must be at least 1")
        if self.login_failures_per_username < 1 or self.login_failures_per_address < 1:
            raise ConfigError("the failed-login limits must be at least 1")
        object.__setattr__(
            self, "allow_origins", tuple(normalize_origin(o) for o in self.allow_origins)
        )

    def with_port(self, port: int) -> ServerConfig:
        """The same settings bound to another port (after ``--port 0`` picked one)."""
        return replace(self, port=port)

    def rest_url(self, port: int | None = None) -> str:
        return f"http://{_url_host(self.host)}:{self.port if port is None else port}{self.mount}"

    def live_query_url(self, port: int | None = None) -> str:
        return f"ws://{_url_host(self.host)}:{self.port if port is None else port}{self.mount}"


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def read_secret_file(path: str) -> str:
    """The first line of a secret file (``-`` is not accepted: the server has no stdin prompt)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the master key file {path}: {exc.strerror}") from None
    secret = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not secret:
        raise ConfigError(f"the master key file {path} is empty")
    return secret


def _int_env(env: Mapping[str, str], name: str) -> int | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None


def _float_env(env: Mapping[str, str], name: str) -> float | None:
    raw = env.get(name)
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None


def resolve_config(
    env: Mapping[str, str],
    *,
    port: int | None = None,
    host: str | None = None,
    db: str | None = None,
    app_id: str | None = None,
    master_key: str | None = None,
    master_key_file: str | None = None,
    js_key: str | None = None,
    mount: str | None = None,
    max_subscriptions: int | None = None,
    max_frame_bytes: int | None = None,
    max_connections_per_address: int | None = None,
    redis_url: str | None = None,
    allow_origins: Sequence[str] | None = None,
) -> ServerConfig:
    """Merge flags (given, not None) over ``LQ_*`` environment variables over defaults.

    Environment names: ``LQ_SERVE_PORT``, ``LQ_SERVE_HOST``, ``LQ_SERVE_DB``,
    ``LQ_APP_ID``, ``LQ_MASTER_KEY`` / ``LQ_MASTER_KEY_FILE``, ``LQ_JS_KEY``,
    ``LQ_SERVE_MOUNT``, ``LQ_REDIS_URL``, ``LQ_SERVE_SUBSCRIPTION_MEMORY_MIB`` (each LiveQuery
    connection's subscription memory budget, in MiB), ``LQ_SERVE_HEADER_TIMEOUT``,
    ``LQ_SERVE_BODY_TIMEOUT``, ``LQ_SERVE_MAX_PENDING_CONNECTIONS``,
    ``LQ_SERVE_LOGIN_FAILURES_PER_USERNAME``, ``LQ_SERVE_LOGIN_FAILURES_PER_ADDRESS``,
    ``LQ_SERVE_ALLOW_ORIGIN`` (origins separated by commas or spaces;
    ``--allow-origin`` flags replace it). Without any master key a random one
    is generated, so a server is never left open to a guessable key.
    """
    if master_key is None and master_key_file is not None:
        master_key = read_secret_file(master_key_file)
    if master_key is None:
        master_key = env.get("LQ_MASTER_KEY") or None
    if master_key is None and env.get("LQ_MASTER_KEY_FILE"):
        master_key = read_secret_file(env["LQ_MASTER_KEY_FILE"])
    kwargs: dict[str, object] = {
        "host": host or env.get("LQ_SERVE_HOST") or DEFAULT_HOST,
        "port": port if port is not None else (_int_env(env, "LQ_SERVE_PORT") or DEFAULT_PORT),
        "db": db or env.get("LQ_SERVE_DB") or DEFAULT_DB,
        "app_id": app_id or env.get("LQ_APP_ID") or DEFAULT_APP_ID,
        "js_key": js_key or env.get("LQ_JS_KEY") or None,
        "mount": mount or env.get("LQ_SERVE_MOUNT") or DEFAULT_MOUNT,
        "redis_url": redis_url or env.get("LQ_REDIS_URL") or None,
    }
    if env.get("LQ_SERVE_PORT") == "0" and port is None:
        kwargs["port"] = 0
    if master_key is not None:
        kwargs["master_key"] = master_key
    if max_subscriptions is not None:
        kwargs["max_subscriptions"] = max_subscriptions
    if max_frame_bytes is not None:
        kwargs["max_frame_bytes"] = max_frame_bytes
    if max_connections_per_address is not None:
        kwargs["max_connections_per_address"] = max_connections_per_address
    budget_mib = _int_env(env, "LQ_SERVE_SUBSCRIPTION_MEMORY_MIB")
    if budget_mib is not None:
        kwargs["subscription_memory"] = budget_mib << 20
    if allow_origins:
        kwargs["allow_origins"] = tuple(allow_origins)
    elif env.get("LQ_SERVE_ALLOW_ORIGIN"):
        kwargs["allow_origins"] = tuple(env["LQ_SERVE_ALLOW_ORIGIN"].replace(",", " ").split())
    for name, value in (
        ("header_timeout", _float_env(env, "LQ_SERVE_HEADER_TIMEOUT")),
        ("body_timeout", _float_env(env, "LQ_SERVE_BODY_TIMEOUT")),
        ("max_pending_connections", _int_env(env, "LQ_SERVE_MAX_PENDING_CONNECTIONS")),
        ("login_failures_per_username", _int_env(env, "LQ_SERVE_LOGIN_FAILURES_PER_USERNAME")),
        ("login_failures_per_address", _int_env(env, "LQ_SERVE_LOGIN_FAILURES_PER_ADDRESS")),
    ):
        if value is not None:
            kwargs[name] = value
    return ServerConfig(**kwargs)  # type: ignore[arg-type]
