"""``lq demo``: an in-memory server, a game played in it, and ``lq tail`` on it.

The first command of the README: it must work on a fresh machine with nothing
else installed, so it starts the embedded server on a free port, with its own
config directory (a user's profile, token or keys never leak in), and tails
``Game`` where ``score > 100`` while players' scores move across 100.
Exit statuses: 0 at the end of ``--duration`` or on Ctrl-C's clean stop, 1 when
the server cannot start, 2 for usage errors.
"""

from __future__ import annotations

from typing import Annotated

import typer

from livequery_cli.cli.commands.serve import fail
from livequery_cli.cli.environment import current_environment
from livequery_cli.cli.exit_status import ExitStatus


def demo(
    ctx: typer.Context,
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

    from livequery_cli.cli.commands.tail import run_tail
    from livequery_cli.cli.durations import parse_duration
    from livequery_cli.cli.options import connection_flags
    from livequery_cli.cli.tail.args import TailArgs
    from livequery_cli.server.demo_game import BackgroundServer
    from livequery_cli.server.server_config import ServerConfig

    process = current_environment(ctx)
    seconds: float | None = None
    if duration is not None:
        try:
            seconds = parse_duration(duration)
        except ValueError as exc:
            raise fail(process, "demo", f"--duration: {exc}", ExitStatus.USAGE) from None
    if interval <= 0:
        raise fail(process, "demo", "--interval must be positive", ExitStatus.USAGE)
    config = ServerConfig(
        port=0, db=":memory:", app_id="lq-demo", master_key=secrets.token_urlsafe(24)
    )
    background = BackgroundServer(config, interval=interval, seed=seed)
    try:
        server = background.start()
    except OSError as exc:
        message = f"cannot start the demo server: {exc.strerror}"
        raise fail(process, "demo", message, ExitStatus.ERROR) from None
    with tempfile.TemporaryDirectory(prefix="lq-demo-") as config_dir:
        # The demo must not pick up the user's profile, session token or keys.
        env = {k: v for k, v in process.env.items() if not k.startswith("LQ_")}
        env["LQ_CONFIG_DIR"] = config_dir
        environment = process.with_env(env)
        if not quiet:
            print(
                f"lq demo: server at {server.rest_url}; tailing Game where score > 100 "
                "(Ctrl-C to stop)",
                file=process.stderr,
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
    if seconds is not None and status == ExitStatus.TIME_LIMIT:
        status = ExitStatus.SUCCESS
    raise typer.Exit(status)
