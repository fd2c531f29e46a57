"""Option declarations shared by several commands, so each flag is spelled once.

Only Typer and the standard library are imported here: this module is loaded
for ``lq --help``, which must start fast.
"""

from __future__ import annotations

from typing import Annotated

import typer

CONNECTION_PANEL = "Connection"
QUERY_PANEL = "Query"
OUTPUT_PANEL = "Output"

# The query flags of every command that takes a query (tail, find, watch).
WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        "-w",
        metavar="EXPR",
        help="Condition in the --where language, e.g. 'score gt 100' (repeat to AND).",
        rich_help_panel=QUERY_PANEL,
    ),
]
WhereJsonOpt = Annotated[
    str | None,
    typer.Option(
        "--where-json",
        metavar="JSON",
        help="Condition as Parse where JSON.",
        rich_help_panel=QUERY_PANEL,
    ),
]
QueryFileOpt = Annotated[
    str | None,
    typer.Option(
        "--query-file",
        metavar="FILE",
        help="JSON file with the query (where, keys, watch; '-' for stdin).",
        rich_help_panel=QUERY_PANEL,
    ),
]
KeysOpt = Annotated[
    str | None,
    typer.Option(
        "--keys",
        metavar="FIELDS",
        help="Only send these fields (server-side 'keys').",
        rich_help_panel=QUERY_PANEL,
    ),
]

# The output flags of every command that prints records (tail, find); watch takes --color.
JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json",
        help="One NDJSON envelope per line (same as -o json).",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        metavar="FORMAT",
        help="pretty (default), json or raw.",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
TemplateOpt = Annotated[
    str | None,
    typer.Option(
        "--template",
        "-t",
        metavar="TEMPLATE",
        help="Custom line per record, e.g. '{op} {id} {object.score}'.",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
ColorOpt = Annotated[
    str | None,
    typer.Option(
        "--color",
        metavar="WHEN",
        help="auto, always or never [env LQ_COLOR; default auto].",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
ShowOpt = Annotated[
    str | None,
    typer.Option(
        "--show",
        metavar="FIELDS",
        help="Print these fields on every pretty line, e.g. 'player,level' [env LQ_SHOW].",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
TimestampsOpt = Annotated[
    str | None,
    typer.Option(
        "--timestamps",
        metavar="STYLE",
        help="local (default: time of day, a date when the day differs), utc, iso,"
        " relative or none [env LQ_TIMESTAMPS].",
        rich_help_panel=OUTPUT_PANEL,
    ),
]
WideOpt = Annotated[
    bool,
    typer.Option(
        "--wide",
        help="Never shorten long values on a terminal (--json never does).",
        rich_help_panel=OUTPUT_PANEL,
    ),
]

ServerUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--server-url",
        metavar="URL",
        help="Parse REST URL [env LQ_SERVER_URL; default http://localhost:1337/parse].",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
LiveQueryUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--live-query-url",
        metavar="URL[,URL...]",
        help="LiveQuery WebSocket URL, or several to fail over between"
        " [env LQ_LIVE_QUERY_URL; default: the REST URL as ws://].",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
AppIdOpt = Annotated[
    str | None,
    typer.Option(
        "--app-id",
        metavar="ID",
        help="Application id [env LQ_APP_ID].",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
JsKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--js-key",
        metavar="KEY",
        help="JavaScript key [env LQ_JS_KEY].",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
MasterKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--master-key",
        metavar="KEY",
        help="Master key [env LQ_MASTER_KEY]; prefer --master-key-file.",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
MasterKeyFileOpt = Annotated[
    str | None,
    typer.Option(
        "--master-key-file",
        metavar="FILE",
        help="Read the master key from FILE ('-' for stdin).",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
SessionTokenOpt = Annotated[
    str | None,
    typer.Option(
        "--session-token",
        metavar="TOKEN",
        help="Session token [env LQ_SESSION_TOKEN; default: the one `lq login` stored].",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
SessionTokenFileOpt = Annotated[
    str | None,
    typer.Option(
        "--session-token-file",
        metavar="FILE",
        help="Read the session token from FILE ('-' for stdin).",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        "-p",
        metavar="NAME",
        help="Profile in config.toml [env LQ_PROFILE; default 'default'].",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
CaFileOpt = Annotated[
    str | None,
    typer.Option(
        "--ca-file",
        metavar="FILE",
        help="Trust the CA certificate(s) in this PEM FILE for wss:// and https://"
        " [env LQ_CA_FILE].",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
ProxyOpt = Annotated[
    str | None,
    typer.Option(
        "--proxy",
        metavar="URL",
        help="HTTP proxy for the WebSocket and REST connections, http://[user:pass@]host:port; "
        "'' for none [env LQ_PROXY; default: HTTPS_PROXY/HTTP_PROXY/ALL_PROXY, NO_PROXY].",
        rich_help_panel=CONNECTION_PANEL,
    ),
]
InsecureOpt = Annotated[
    bool,
    typer.Option(
        "--insecure",
        help="Do not verify TLS certificates (warns on every run) [env LQ_INSECURE=1].",
        rich_help_panel=CONNECTION_PANEL,
    ),
]


def connection_flags(
    *,
    server_url: str | None = None,
    live_query_url: str | None = None,
    app_id: str | None = None,
    js_key: str | None = None,
    master_key: str | None = None,
    master_key_file: str | None = None,
    session_token: str | None = None,
    session_token_file: str | None = None,
    ca_file: str | None = None,
    insecure: bool = False,
    proxy: str | None = None,
) -> dict[str, str | None]:
    """The connection flags as the ``flags`` mapping ``config.resolve`` takes."""
    return {
        "server_url": server_url,
        "live_query_url": live_query_url,
        "app_id": app_id,
        "js_key": js_key,
        "master_key": master_key,
        "master_key_file": master_key_file,
        "session_token": session_token,
        "session_token_file": session_token_file,
        "ca_file": ca_file,
        "insecure": "1" if insecure else None,
        "proxy": proxy,
    }
