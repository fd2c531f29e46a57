"""``lq watch CLASS``: the result set of a live query as a table that updates in place.

Built on ``lq tail --snapshot`` (the exact, gap-free view with resync after
reconnects); Rich draws the table, and is imported only by this command.
The Typer function only declares flags; ``livequery_cli.cli.watch`` does the work.
"""

from __future__ import annotations

from typing import Annotated

import typer

from livequery_cli.cli.options import (
    AppIdOpt,
    CaFileOpt,
    ColorOpt,
    InsecureOpt,
    JsKeyOpt,
    KeysOpt,
    LiveQueryUrlOpt,
    MasterKeyFileOpt,
    MasterKeyOpt,
    ProfileOpt,
    ProxyOpt,
    QueryFileOpt,
    ServerUrlOpt,
    SessionTokenFileOpt,
    SessionTokenOpt,
    WhereJsonOpt,
    WhereOpt,
    connection_flags,
)

TABLE_PANEL = "Table"


def watch(
    ctx: typer.Context,
    class_name: Annotated[str, typer.Argument(metavar="CLASS", help="The class to watch.")],
    where: WhereOpt = None,
    where_json: WhereJsonOpt = None,
    query_file: QueryFileOpt = None,
    keys: KeysOpt = None,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="FIELDS",
            help="The table's columns [default: objectId, a few fields of the first objects,"
            " updatedAt].",
            rich_help_panel=TABLE_PANEL,
        ),
    ] = None,
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort",
            metavar="FIELD",
            help="Sort rows by FIELD ('-score' for descending) [default: objectId].",
            rich_help_panel=TABLE_PANEL,
        ),
    ] = None,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="Print the table once and exit (the default when stdout is not a terminal).",
            rich_help_panel=TABLE_PANEL,
        ),
    ] = False,
    color: ColorOpt = None,
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
    """Show the objects of a live query on CLASS as a table, updated as they change."""
    from livequery_cli.cli.environment import current_environment
    from livequery_cli.cli.watch.watch_setup import WatchArgs, run_watch

    args = WatchArgs(
        class_name=class_name,
        wheres=list(where or []),
        where_json=where_json,
        query_file=query_file,
        keys=keys,
        columns=columns,
        sort=sort,
        once=once,
        color=color,
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
