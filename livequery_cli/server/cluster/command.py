"""``lq serve --parse-server URL --redis-url URL``: settings, checks and the run.

The CLI module only forwards its flags here, so the command's rules live
next to the node: the master key may come from ``--master-key-file``,
``LQ_MASTER_KEY`` / ``LQ_MASTER_KEY_FILE`` or a config profile, never from
the command line (it would show in ``ps`` on every machine of the cluster),
and it is required (the node reads sessions, roles and schemas with it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

from livequery_cli.exceptions import ConfigError
from livequery_cli.server.cluster.node import NodeSettings, run_forever
from livequery_cli.server.cluster.parse_identity import DEFAULT_CACHE_TIMEOUT_S
from livequery_cli.server.server_config import ServerConfig, resolve_config

_REDIS_SCHEMES = ("redis", "rediss", "unix")


def node_config(
    env: Mapping[str, str],
    *,
    parse_server: str,
    redis_url: str | None,
    master_key_on_command_line: bool,
    profile_master_key: str | None = None,
    cache_timeout: float | None = None,
    **flags: object,
) -> tuple[ServerConfig, NodeSettings]:
    """Validate and merge the node's flags; :class:`ConfigError` says what is wrong."""
    if master_key_on_command_line:
        raise ConfigError(
            "--parse-server does not take --master-key on the command line: "
            "use --master-key-file, LQ_MASTER_KEY or LQ_MASTER_KEY_FILE"
        )
    parts = urlsplit(parse_server)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("--parse-server must be the Parse Server's http(s):// REST URL")
    redis_url = redis_url or env.get("LQ_REDIS_URL") or None
    if not redis_url:
        raise ConfigError("--parse-server needs --redis-url (or LQ_REDIS_URL): Parse's Redis")
    if urlsplit(redis_url).scheme not in _REDIS_SCHEMES:
        raise ConfigError("--redis-url must be a redis://, rediss:// or unix:// URL")
    has_key = (
        flags.get("master_key_file")
        or env.get("LQ_MASTER_KEY")
        or env.get("LQ_MASTER_KEY_FILE")
        or profile_master_key
    )
    if not has_key:
        raise ConfigError(
            "--parse-server needs the Parse Server's master key: "
            "--master-key-file F, LQ_MASTER_KEY or LQ_MASTER_KEY_FILE"
        )
    timeout = DEFAULT_CACHE_TIMEOUT_S if cache_timeout is None else cache_timeout
    if timeout <= 0:
        raise ConfigError("--cache-timeout must be positive")
    from_env_or_file = (
        flags.get("master_key_file") or env.get("LQ_MASTER_KEY") or env.get("LQ_MASTER_KEY_FILE")
    )
    master_key = None if from_env_or_file else profile_master_key
    config = resolve_config(env, master_key=master_key, db=":memory:", **flags)  # type: ignore[arg-type]
    return config, NodeSettings(parse_server.rstrip("/"), redis_url, timeout)


class NodeStartError(Exception):
    """The node could not start (the port is taken...): a one-line reason."""


def serve_node(
    env: Mapping[str, str],
    profile: Mapping[str, str | None],
    *,
    parse_server: str,
    redis_url: str | None,
    cache_timeout: float | None,
    master_key_on_command_line: bool,
    **flags: object,
) -> int:
    """``lq serve --parse-server``: serve until SIGINT/SIGTERM and return the exit status.

    Flags win over ``profile`` (app id, JavaScript key, master key from a config profile).
    Raises :class:`ConfigError` for usage errors, :class:`NodeStartError` when it cannot start.
    """
    flags["app_id"] = flags.get("app_id") or profile.get("app_id")
    flags["js_key"] = flags.get("js_key") or profile.get("js_key")
    config, settings = node_config(
        env,
        parse_server=parse_server,
        redis_url=redis_url,
        master_key_on_command_line=master_key_on_command_line,
        profile_master_key=profile.get("master_key"),
        cache_timeout=cache_timeout,
        **flags,
    )
    logging.basicConfig(level=logging.WARNING, format="lq serve: %(levelname)s %(message)s")
    try:
        return asyncio.run(run_forever(config, settings))
    except OSError as exc:
        raise NodeStartError(
            f"cannot listen on {config.host}:{config.port}: {exc.strerror}"
        ) from None
    except KeyboardInterrupt:
        return 0
