"""``lq serve``: the embedded server (REST + LiveQuery on one port, SQLite underneath).

The server (and aiohttp) is imported inside the function, so ``lq --help``
stays fast. Exit statuses: 0 after a clean shutdown (Ctrl-C / SIGTERM), 1 when
the server cannot start (port in use, database unusable), 2 for usage errors
(bad flags, unreadable master key file).
"""

from __future__ import annotations

from typing import Annotated

import typer

from livequery_cli.cli.environment import Environment, current_environment
from livequery_cli.cli.exit_status import ExitStatus
from livequery_cli.server import server_config as defaults


def fail(env: Environment, command: str, message: str, status: ExitStatus) -> typer.Exit:
    """Print ``lq COMMAND: message`` on the environment's stderr; the exit to raise."""
    print(f"lq {command}: {message}", file=env.stderr)
    return typer.Exit(status)


def _profile_settings(env: Environment, profile: str | None) -> dict[str, str | None]:
    """App id and keys from the environment, else the config profile (flags win over both)."""
    from livequery_cli.cli.settings.profiles import resolve_for

    settings = resolve_for(env, flags={}, profile=profile, stored_tokens=False)
    return {name: settings.get(name) for name in ("app_id", "js_key", "master_key")}


def serve(
    ctx: typer.Context,
    port: Annotated[
        int | None,
        typer.Option(
            help="TCP port (0 picks a free one). Env: LQ_SERVE_PORT."
            f" [default: {defaults.DEFAULT_PORT}]"
        ),
    ] = None,
    host: Annotated[
        str | None,
        typer.Option(
            help=f"Interface to bind. Env: LQ_SERVE_HOST. [default: {defaults.DEFAULT_HOST}]"
        ),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            help=f"SQLite file, or :memory:. Env: LQ_SERVE_DB. [default: {defaults.DEFAULT_DB}]"
        ),
    ] = None,
    app_id: Annotated[
        str | None,
        typer.Option(
            "--app-id",
            help=f"Application id. Env: LQ_APP_ID. [default: {defaults.DEFAULT_APP_ID}]",
        ),
    ] = None,
    master_key: Annotated[
        str | None,
        typer.Option(
            "--master-key",
            help="Master key; a flag shows in ps, so prefer --master-key-file. Env:"
            " LQ_MASTER_KEY. [default: random]",
            show_default=False,
        ),
    ] = None,
    master_key_file: Annotated[
        str | None,
        typer.Option(
            "--master-key-file",
            help="Read the master key from this file. Env: LQ_MASTER_KEY_FILE.",
        ),
    ] = None,
    js_key: Annotated[
        str | None,
        typer.Option(
            "--js-key",
            help="JavaScript/REST key clients must send. Env: LQ_JS_KEY. [default: none required]",
        ),
    ] = None,
    mount: Annotated[
        str | None,
        typer.Option(
            help=f"REST mount path. Env: LQ_SERVE_MOUNT. [default: {defaults.DEFAULT_MOUNT}]"
        ),
    ] = None,
    max_subscriptions: Annotated[
        int | None,
        typer.Option(
            "--max-subscriptions",
            help=f"Subscriptions per connection. [default: {defaults.DEFAULT_MAX_SUBSCRIPTIONS}]",
        ),
    ] = None,
    max_frame_bytes: Annotated[
        int | None,
        typer.Option(
            "--max-frame-bytes",
            help=f"Largest client frame, in bytes. [default: {defaults.DEFAULT_MAX_FRAME_BYTES}]",
        ),
    ] = None,
    max_connections_per_address: Annotated[
        int | None,
        typer.Option(
            "--max-connections-per-address",
            help="LiveQuery connections one client address may hold."
            f" [default: {defaults.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS}]",
        ),
    ] = None,
    allow_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-origin",
            metavar="ORIGIN",
            help="Web origin (e.g. http://myapp.test:8080) allowed besides loopback ones; "
            "repeatable; '*' allows any origin and Host. Env: LQ_SERVE_ALLOW_ORIGIN.",
        ),
    ] = None,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile", help="Take app id and keys from this config profile. Env: LQ_PROFILE."
        ),
    ] = None,
    redis_url: Annotated[
        str | None,
        typer.Option(
            "--redis-url",
            help="Publish writes on this Redis as Parse Server does (with --parse-server: "
            "read them from it). Env: LQ_REDIS_URL.",
        ),
    ] = None,
    parse_server: Annotated[
        str | None,
        typer.Option(
            "--parse-server",
            metavar="URL",
            help="Serve LiveQuery only, for the Parse Server at URL (needs --redis-url).",
        ),
    ] = None,
    cache_timeout: Annotated[
        float | None,
        typer.Option("--cache-timeout", help="With --parse-server: identity cache, s. [30]"),
    ] = None,
) -> None:
    """Run the embedded Parse-compatible server (REST + LiveQuery on one port).

    Prints the REST URL and the LiveQuery URL (one line each), then serves
    until Ctrl-C or SIGTERM and shuts down cleanly. With --parse-server, runs
    a LiveQuery-only node for an existing Parse Server cluster instead and
    prints its LiveQuery URL.
    """
    import asyncio
    import logging

    from livequery_cli.exceptions import ConfigError

    env = current_environment(ctx)
    from livequery_cli.server.app import run_forever
    from livequery_cli.server.server_config import resolve_config

    if parse_server is not None:  # a LiveQuery-only node: livequery_cli.server.cluster
        from livequery_cli.server.cluster.command import NodeStartError, serve_node

        try:
            status = serve_node(
                env.env,
                _profile_settings(env, profile),
                parse_server=parse_server,
                redis_url=redis_url,
                cache_timeout=cache_timeout,
                master_key_on_command_line=master_key is not None,
                port=port,
                host=host,
                app_id=app_id,
                master_key_file=master_key_file,
                js_key=js_key,
                max_subscriptions=max_subscriptions,
                max_frame_bytes=max_frame_bytes,
                max_connections_per_address=max_connections_per_address,
                allow_origins=allow_origin,
            )
        except ConfigError as exc:
            raise fail(env, "serve", str(exc), ExitStatus.USAGE) from None
        except NodeStartError as exc:
            raise fail(env, "serve", str(exc), ExitStatus.ERROR) from None
        raise typer.Exit(status)
    try:
        from_profile = _profile_settings(env, profile)
        config = resolve_config(
            env.env,
            port=port,
            host=host,
            db=db,
            app_id=app_id or from_profile.get("app_id"),
            master_key=master_key or (None if master_key_file else from_profile.get("master_key")),
            master_key_file=master_key_file,
            js_key=js_key or from_profile.get("js_key"),
            mount=mount,
            max_subscriptions=max_subscriptions,
            max_frame_bytes=max_frame_bytes,
            max_connections_per_address=max_connections_per_address,
            redis_url=redis_url,
            allow_origins=allow_origin,
        )
    except ConfigError as exc:
        raise fail(env, "serve", str(exc), ExitStatus.USAGE) from None
    logging.basicConfig(level=logging.WARNING, format="lq serve: %(levelname)s %(message)s")
    try:
        status = asyncio.run(run_forever(config, out=env.stdout))
    except ConfigError as exc:
        raise fail(env, "serve", str(exc), ExitStatus.ERROR) from None
    except OSError as exc:
        message = f"cannot listen on {config.host}:{config.port}: {exc.strerror}"
        raise fail(env, "serve", message, ExitStatus.ERROR) from None
    except KeyboardInterrupt:
        status = ExitStatus.SUCCESS
    raise typer.Exit(status)
