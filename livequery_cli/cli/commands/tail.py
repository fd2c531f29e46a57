"""``lq tail CLASS``: print a live query's events until told to stop.

The Typer function only declares flags; ``run_tail`` does the work against an
``Environment``. Everything that can be wrong with the input (flags, the
``--where``, the template, the config) is checked before connecting, so a typo
never costs a connection attempt and always exits 2.
"""

from __future__ import annotations

from typing import Annotated

import typer

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.options import (
    OUTPUT_PANEL,
    QUERY_PANEL,
    AppIdOpt,
    CaFileOpt,
    ColorOpt,
    InsecureOpt,
    JsKeyOpt,
    JsonOpt,
    KeysOpt,
    LiveQueryUrlOpt,
    MasterKeyFileOpt,
    MasterKeyOpt,
    OutputOpt,
    ProfileOpt,
    ProxyOpt,
    QueryFileOpt,
    ServerUrlOpt,
    SessionTokenFileOpt,
    SessionTokenOpt,
    ShowOpt,
    TemplateOpt,
    TimestampsOpt,
    WhereJsonOpt,
    WhereOpt,
    WideOpt,
    connection_flags,
)
from livequery_cli.cli.tail.args import TailArgs

SYNC_PANEL = "Snapshot and resync"
LIFETIME_PANEL = "Lifetime"
EXEC_PANEL = "Run a command per event"


def tail(
    ctx: typer.Context,
    class_name: Annotated[str, typer.Argument(metavar="CLASS", help="The class to watch.")],
    where: WhereOpt = None,
    where_json: WhereJsonOpt = None,
    query_file: QueryFileOpt = None,
    events: Annotated[
        str | None,
        typer.Option(
            "--events",
            metavar="TYPES",
            help="Only these event types: create,update,enter,leave,delete.",
            rich_help_panel=QUERY_PANEL,
        ),
    ] = None,
    keys: KeysOpt = None,
    watch_fields: Annotated[
        str | None,
        typer.Option(
            "--watch-fields",
            metavar="FIELDS",
            help="Only report updates that change these fields (server-side 'watch').",
            rich_help_panel=QUERY_PANEL,
        ),
    ] = None,
    also: Annotated[
        list[str] | None,
        typer.Option(
            "--also",
            metavar="CLASS",
            help="Another query on the same connection; the --where flags after it are its own"
            " (or inline: 'Player where online = true'). Repeatable.",
            rich_help_panel=QUERY_PANEL,
        ),
    ] = None,
    snapshot: Annotated[
        bool,
        typer.Option(
            "--snapshot",
            help="Print the current result set first (REST find), then the events; no gap.",
            rich_help_panel=SYNC_PANEL,
        ),
    ] = False,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DURATION|TIMESTAMP",
            help="Start with the objects changed since then (e.g. 10m, 2026-01-01T00:00:00Z).",
            rich_help_panel=SYNC_PANEL,
        ),
    ] = None,
    resync: Annotated[
        bool | None,
        typer.Option(
            "--resync/--no-resync",
            help="After a reconnect, find what was missed and print it as synthetic events"
            " [default: on when the REST URL is known].",
            rich_help_panel=SYNC_PANEL,
        ),
    ] = None,
    status_events: Annotated[
        bool,
        typer.Option(
            "--status-events",
            help="With --json: also print status records (synced, resynced, disconnected...).",
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = False,
    json_output: JsonOpt = False,
    output: OutputOpt = None,
    template: TemplateOpt = None,
    color: ColorOpt = None,
    show: ShowOpt = None,
    timestamps: TimestampsOpt = None,
    wide: WideOpt = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No status lines on stderr.", rich_help_panel=OUTPUT_PANEL
        ),
    ] = False,
    count: Annotated[
        int | None,
        typer.Option(
            "--count",
            "-n",
            metavar="N",
            help="Exit 0 after N events.",
            rich_help_panel=LIFETIME_PANEL,
        ),
    ] = None,
    timeout: Annotated[
        str | None,
        typer.Option(
            "--timeout",
            metavar="DURATION",
            help="Exit 124 after DURATION (e.g. 30s, 5m).",
            rich_help_panel=LIFETIME_PANEL,
        ),
    ] = None,
    idle: Annotated[
        str | None,
        typer.Option(
            "--idle",
            metavar="DURATION",
            help="Exit 124 after DURATION without an event.",
            rich_help_panel=LIFETIME_PANEL,
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="EXPR",
            help="Exit 0 at the first object matching EXPR (the --where language).",
            rich_help_panel=LIFETIME_PANEL,
        ),
    ] = None,
    exit_status: Annotated[
        bool,
        typer.Option(
            "--exit-status",
            help="With --until: exit 1 if the tail ends (count, timeout, idle) without a match.",
            rich_help_panel=LIFETIME_PANEL,
        ),
    ] = False,
    stats: Annotated[
        bool,
        typer.Option(
            "--stats",
            help="Events per second by type, reconnects and resyncs on stderr.",
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = False,
    stats_interval: Annotated[
        str | None,
        typer.Option(
            "--stats-interval",
            metavar="DURATION",
            help="How often --stats reports [default: 10s].",
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = None,
    max_retries: Annotated[
        int | None,
        typer.Option(
            "--max-retries",
            metavar="N",
            help="Give up (exit 3) after N failed reconnects [default: retry forever].",
            rich_help_panel=LIFETIME_PANEL,
        ),
    ] = None,
    max_backoff: Annotated[
        str | None,
        typer.Option(
            "--max-backoff",
            metavar="DURATION",
            help="Longest wait between reconnect attempts (jittered) [env LQ_MAX_BACKOFF;"
            " default 5s].",
            rich_help_panel=LIFETIME_PANEL,
        ),
    ] = None,
    exec_command: Annotated[
        str | None,
        typer.Option(
            "--exec",
            metavar="CMD",
            help="Run CMD per event (argv-split; {field} placeholders are one argument each),"
            " the --json record on stdin, LQ_OP/LQ_CLASS/LQ_ID set.",
            rich_help_panel=EXEC_PANEL,
        ),
    ] = None,
    shell: Annotated[
        bool,
        typer.Option(
            "--shell",
            help="Run --exec's CMD with /bin/sh -c (placeholders still become arguments).",
            rich_help_panel=EXEC_PANEL,
        ),
    ] = False,
    exec_concurrency: Annotated[
        int,
        typer.Option(
            "--exec-concurrency",
            metavar="N",
            help="Up to N commands at once [default: 1, in event order].",
            rich_help_panel=EXEC_PANEL,
        ),
    ] = 1,
    exec_timeout: Annotated[
        str | None,
        typer.Option(
            "--exec-timeout",
            metavar="DURATION",
            help="Kill a command running longer than DURATION (a failure).",
            rich_help_panel=EXEC_PANEL,
        ),
    ] = None,
    on_exec_error: Annotated[
        str,
        typer.Option(
            "--on-exec-error",
            metavar="continue|stop",
            help="After a failed command: report it and go on, or exit 1.",
            rich_help_panel=EXEC_PANEL,
        ),
    ] = "continue",
    server_url: ServerUrlOpt = None,
    live_query_url: LiveQueryUrlOpt = None,
    app_id: AppIdOpt = None,
    js_key: JsKeyOpt = None,
    master_key: MasterKeyOpt = None,
    master_key_file: MasterKeyFileOpt = None,
    session_token: SessionTokenOpt = None,
    session_token_file: SessionTokenFileOpt = None,
    ca_file: CaFileOpt = None,
    insecure: InsecureOpt = False,
    proxy: ProxyOpt = None,
    profile: ProfileOpt = None,
) -> int:
    """Print the events of a live query on CLASS, one line each, until stopped."""
    from livequery_cli.cli.environment import current_environment

    args = TailArgs(
        class_name=class_name,
        wheres=list(where or []),
        where_json=where_json,
        query_file=query_file,
        events=events,
        keys=keys,
        watch_fields=watch_fields,
        output=output,
        json=json_output,
        template=template,
        color=color,
        quiet=quiet,
        count=count,
        timeout=timeout,
        idle=idle,
        max_retries=max_retries,
        profile=profile,
        also=list(also or []),
        snapshot=snapshot,
        since=since,
        resync=resync,
        status_events=status_events,
        until=until,
        exit_status=exit_status,
        stats=stats,
        stats_interval=stats_interval,
        show=show,
        timestamps=timestamps,
        wide=wide,
        max_backoff=max_backoff,
        exec=exec_command,
        shell=shell,
        exec_concurrency=exec_concurrency,
        exec_timeout=exec_timeout,
        on_exec_error=on_exec_error,
        argv=_command_line(ctx),
        flags=connection_flags(
            server_url=server_url,
            live_query_url=live_query_url,
            app_id=app_id,
            js_key=js_key,
            master_key=master_key,
            master_key_file=master_key_file,
            session_token=session_token,
            session_token_file=session_token_file,
            ca_file=ca_file,
            insecure=insecure,
            proxy=proxy,
        ),
    )
    return run_tail(current_environment(ctx), args)


def _command_line(ctx: typer.Context) -> list[str]:
    """The arguments ``lq`` was started with (the environment's, when it records them)."""
    import sys

    from livequery_cli.cli.environment import current_environment

    recorded = getattr(current_environment(ctx), "argv", None)
    return list(recorded) if recorded is not None else sys.argv[1:]


def run_tail(env: Environment, args: TailArgs) -> int:
    """Check the input, connect, tail until the end; return the exit status (never raises)."""
    from livequery_cli.cli.tail.setup import run_tail as run

    return run(env, args)
