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


def fail(env: Environment, command: str, message: str, status: ExitStatus) -> typer.Exit:
    """Print ``lq COMMAND: message`` on the environment's stderr; the exit to raise."""
    print(f"lq {command}: {message}", file=env.stderr)
    return typer.Exit(status)


def _profile_settings(env: Environment, profile: str | None) -> dict[str, str | None]:
    """App id and keys from the environment, else the config profile (flags win over both)."""
    from livequery_cli.cli.settings.profiles import resolve

    settings = resolve(flags={}, env=env.env, stdin=env.stdin, profile_flag=profile)
    for warning in settings.warnings:
        print(warning, file=env.stderr)
    return {name: settings.get(name) for name in ("app_id", "js_key", "master_key")}


def serve(
    ctx: typer.Context,
    port: Annotated[
        int | None, typer.Option(help="TCP port (0 picks a free one). Env: LQ_SERVE_PORT.")
    ] = None,
    host: Annotated[str | None, typer.Option(help="Interface to bind. Env: LQ_SERVE_HOST.")] = None,
    db: Annotated[
        str | None,
        typer.Option(help="SQLite file, or :memory:. Env: LQ_SERVE_DB. [default: lq.sqlite]"),
    ] = None,
    app_id: Annotated[
        str | None, typer.Option("--app-id", help="Application id. Env: LQ_APP_ID. [default: lq]")
    ] = None,
    master_key: Annotated[
        str | None,
        typer.Option(
            "--master-key",
            help="Master key (prefer --master-key-file or LQ_MASTER_KEY). Random if unset.",
            show_default=False,
        ),
    ] = None,
    master_key_file: Annotated[
        str | None,
        typer.Option("--master-key-file", help="Read the master key from this file."),
    ] = None,
    js_key: Annotated[
        str | None,
        typer.Option("--js-key", help="JavaScript/REST key clients must send. Env: LQ_JS_KEY."),
    ] = None,
    mount: Annotated[
        str | None,
        typer.Option(help="REST mount path. Env: LQ_SERVE_MOUNT. [default: /parse]"),
    ] = None,
    max_subscriptions: Annotated[
        int | None,
        typer.Option("--max-subscriptions", help="Subscriptions per connection. [default: 1000]"),
    ] = None,
    max_frame_bytes: Annotated[
        int | None,
        typer.Option("--max-frame-bytes", help="Largest client frame. [default: 1048576]"),
    ] = None,
    max_connections_per_address: Annotated[
        int | None,
        typer.Option(
            "--max-connections-per-address",
            help="LiveQuery connections one client address may hold. [default: 256]",
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
) -> None:
    """Run the embedded Parse-compatible server (REST + LiveQuery on one port).

    Prints the REST URL and the LiveQuery URL (one line each), then serves
    until Ctrl-C or SIGTERM and shuts down cleanly.
    """
    import asyncio
    import logging

    from livequery_cli.exceptions import ConfigError

    env = current_environment(ctx)
    from livequery_cli.server.app import run_forever
    from livequery_cli.server.server_config import resolve_config

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
