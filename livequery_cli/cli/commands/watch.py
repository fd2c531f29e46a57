"""``lq watch CLASS``: the result set of a query as a live, full-screen table.

Keys: ``q`` quits, ``s`` cycles the sort column, ``j``/``k``, arrows and
PageUp/PageDown scroll. With ``--once``, or when stdout is not a terminal,
the table is printed once and ``lq`` exits. Rich (and the network stack) are
imported only when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from livequery_cli.cli.options import (
    AppIdOpt,
    CaFileOpt,
    InsecureOpt,
    JsKeyOpt,
    LiveQueryUrlOpt,
    MasterKeyFileOpt,
    MasterKeyOpt,
    ProfileOpt,
    ProxyOpt,
    ServerUrlOpt,
    SessionTokenFileOpt,
    SessionTokenOpt,
    connection_flags,
)


def watch(
    ctx: typer.Context,
    class_name: Annotated[str, typer.Argument(metavar="CLASS", help="The class to watch.")],
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            "-w",
            metavar="EXPR",
            help="Condition in the --where language (repeat to AND).",
        ),
    ] = None,
    where_json: Annotated[
        str | None, typer.Option("--where-json", metavar="JSON", help="Condition as where JSON.")
    ] = None,
    query_file: Annotated[
        str | None,
        typer.Option("--query-file", metavar="FILE", help="Query JSON from FILE ('-': stdin)."),
    ] = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="FIELDS",
            help="Columns to show, e.g. name,score [default: a few fields of the first objects, "
            "and updatedAt].",
        ),
    ] = None,
    sort: Annotated[
        str | None,
        typer.Option("--sort", metavar="FIELD", help="Sort by FIELD; -FIELD for descending."),
    ] = None,
    once: Annotated[
        bool,
        typer.Option(
            "--once", help="Print the table once and exit (the default when stdout is no terminal)."
        ),
    ] = False,
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
    """Show the objects a query matches as a live table, updated as events arrive."""
    from livequery_cli.cli.environment import current_environment
    from livequery_cli.cli.watch.watch_run import WatchArgs, run_watch

    args = WatchArgs(
        class_name=class_name,
        wheres=list(where or []),
        where_json=where_json,
        query_file=query_file,
        columns=columns,
        sort=sort,
        once=once,
        profile=profile,
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
    return run_watch(current_environment(ctx), args)
