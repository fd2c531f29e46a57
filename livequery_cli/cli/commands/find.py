"""``lq find CLASS``: query once, print the objects, exit.

The query flags are ``lq tail``'s (one ``--where`` language, one
validation), the outputs are ``lq tail``'s (a ``--json`` record has kind
``"object"`` in the same envelope), so a script can switch between the
current state and the stream of changes by changing one word. The Typer
function only declares flags; ``livequery_cli.cli.find_run`` does the work.
"""

from __future__ import annotations

from typing import Annotated

import typer

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


def find(
    ctx: typer.Context,
    class_name: Annotated[str, typer.Argument(metavar="CLASS", help="The class to query.")],
    where: WhereOpt = None,
    where_json: WhereJsonOpt = None,
    query_file: QueryFileOpt = None,
    keys: KeysOpt = None,
    order: Annotated[
        str | None,
        typer.Option(
            "--order",
            metavar="FIELDS",
            help="Sort by these fields, '-' for descending, e.g. '-score,name'.",
            rich_help_panel=QUERY_PANEL,
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            metavar="N",
            help="At most N objects [default: all, fetched page by page].",
            rich_help_panel=QUERY_PANEL,
        ),
    ] = None,
    include: Annotated[
        str | None,
        typer.Option(
            "--include",
            metavar="FIELDS",
            help="Pointer fields for the server to expand (Parse's 'include').",
            rich_help_panel=QUERY_PANEL,
        ),
    ] = None,
    count: Annotated[
        bool,
        typer.Option(
            "--count",
            help="Print only the number of matching objects.",
            rich_help_panel=QUERY_PANEL,
        ),
    ] = False,
    page_size: Annotated[
        int,
        typer.Option(
            "--page-size",
            metavar="N",
            help="Objects per REST request.",
            rich_help_panel=QUERY_PANEL,
        ),
    ] = 1000,
    json_output: JsonOpt = False,
    output: OutputOpt = None,
    template: TemplateOpt = None,
    color: ColorOpt = None,
    show: ShowOpt = None,
    timestamps: TimestampsOpt = None,
    wide: WideOpt = False,
    exit_status: Annotated[
        bool,
        typer.Option(
            "--exit-status",
            help="Exit 1 when nothing matches (or the count is 0).",
            rich_help_panel=OUTPUT_PANEL,
        ),
    ] = False,
    server_url: ServerUrlOpt = None,
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
    """Query CLASS once over REST and print the matching objects, then exit."""
    from livequery_cli.cli.environment import current_environment
    from livequery_cli.cli.find_run import FindArgs, run_find

    args = FindArgs(
        class_name=class_name,
        wheres=list(where or []),
        where_json=where_json,
        query_file=query_file,
        keys=keys,
        order=order,
        limit=limit,
        include=include,
        count=count,
        page_size=page_size,
        json=json_output,
        output=output,
        template=template,
        color=color,
        show=show,
        timestamps=timestamps,
        wide=wide,
        exit_status=exit_status,
        profile=profile,
        flags=connection_flags(
            server_url=server_url,
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
    return run_find(current_environment(ctx), args)
