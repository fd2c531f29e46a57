"""``lq serve`` and ``lq demo``: the embedded server's commands.

Both import the server (and aiohttp) inside the function, so ``lq --help``
stays fast. Exit statuses: 0 after a clean shutdown (Ctrl-C / SIGTERM, or the
end of ``lq demo --duration``), 1 when the server cannot start (port in use,
database unusable), 2 for usage errors (bad flags, unreadable master key
file).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

SERVE_ERROR_EXIT = 1
USAGE_EXIT = 2


def _fail(message: str, code: int) -> typer.Exit:
    print(f"lq serve: {message}", file=sys.stderr)
    return typer.Exit(code)


def _profile_settings(profile: str | None) -> dict[str, str | None]:
    """App id and keys from the environment, else the config profile (flags win over both)."""
    from livequery_cli.cli.config import resolve

    settings = resolve(flags={}, env=os.environ, stdin=sys.stdin, profile_flag=profile)
    for warning in settings.warnings:
        print(warning, file=sys.stderr)
    return {name: settings.get(name) for name in ("app_id", "js_key", "master_key")}


def serve(
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
    from livequery_cli.server.app import run_forever
    from livequery_cli.server.config import resolve_config

    if parse_server is not None:  # a LiveQuery-only node: livequery_cli.server.cluster
        from livequery_cli.exceptions import ConfigError
        from livequery_cli.server.cluster.command import NodeStartError, serve_node

        try:
            status = serve_node(
                os.environ,
                _profile_settings(profile),
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
            )
        except ConfigError as exc:
            raise _fail(str(exc), USAGE_EXIT) from None
        except NodeStartError as exc:
            raise _fail(str(exc), SERVE_ERROR_EXIT) from None
        raise typer.Exit(status)
    try:
        from_profile = _profile_settings(profile)
        config = resolve_config(
            os.environ,
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
        )
    except ConfigError as exc:
        raise _fail(str(exc), USAGE_EXIT) from None
    logging.basicConfig(level=logging.WARNING, format="lq serve: %(levelname)s %(message)s")
    try:
        status = asyncio.run(run_forever(config))
    except ConfigError as exc:
        raise _fail(str(exc), SERVE_ERROR_EXIT) from None
    except OSError as exc:
        raise _fail(f"cannot listen on {config.host}:{config.port}: {exc.strerror}", 1) from None
    except KeyboardInterrupt:
        status = 0
    raise typer.Exit(status)


def demo(
    duration: Annotated[
        str | None,
        typer.Option(
            "--duration", metavar="DURATION", help="Stop after DURATION (e.g. 5s) and exit 0."
        ),
    ] = None,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between game moves (on average).")
    ] = 0.5,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for a repeatable game.")] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="NDJSON events (as lq tail --json).")
    ] = False,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No status lines on stderr.")
    ] = False,
) -> None:
    """Start an in-memory server, play a game in it, and tail `Game score > 100`.

    Runs until Ctrl-C (or --duration): players' scores move across 100, so
    they enter and leave the query; players join and quit.
    """
    import secrets
    import tempfile

    from livequery_cli.cli.durations import parse_duration
    from livequery_cli.cli.environment import Environment
    from livequery_cli.cli.options import connection_flags
    from livequery_cli.cli.tail_cmd import TailArgs, run_tail
    from livequery_cli.server.config import ServerConfig
    from livequery_cli.server.demo import BackgroundServer

    seconds: float | None = None
    if duration is not None:
        try:
            seconds = parse_duration(duration)
        except ValueError as exc:
            raise _fail(f"--duration: {exc}", USAGE_EXIT) from None
    if interval <= 0:
        raise _fail("--interval must be positive", USAGE_EXIT)
    config = ServerConfig(
        port=0, db=":memory:", app_id="lq-demo", master_key=secrets.token_urlsafe(24)
    )
    background = BackgroundServer(config, interval=interval, seed=seed)
    try:
        server = background.start()
    except OSError as exc:
        raise _fail(f"cannot start the demo server: {exc.strerror}", SERVE_ERROR_EXIT) from None
    process = Environment.from_process()
    with tempfile.TemporaryDirectory(prefix="lq-demo-") as config_dir:
        # The demo must not pick up the user's profile, session token or keys.
        env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
        env["LQ_CONFIG_DIR"] = config_dir
        environment = Environment(
            stdin=process.stdin,
            stdout=process.stdout,
            stderr=process.stderr,
            stdout_bytes=process.stdout_bytes,
            stdin_isatty=process.stdin_isatty,
            stdout_isatty=process.stdout_isatty,
            stderr_isatty=process.stderr_isatty,
            env=env,
        )
        if not quiet:
            print(
                f"lq demo: server at {server.rest_url}; tailing Game where score > 100 "
                "(Ctrl-C to stop)",
                file=sys.stderr,
                flush=True,
            )
        args = TailArgs(
            class_name="Game",
            wheres=["score > 100"],
            json=json_output,
            quiet=quiet,
            timeout=duration,
            flags=connection_flags(server_url=server.rest_url, app_id=config.app_id),
        )
        try:
            status = run_tail(environment, args)
        finally:
            background.stop()
    if seconds is not None and status == 124:
        status = 0
    raise typer.Exit(status)
