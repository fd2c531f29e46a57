"""``lq watch``'s work: check the input, then show the result set (once, or live).

The live table is fed by a gap-free subscription (snapshot, then changes,
re-checked through REST after every reconnect), so it is exactly the result
set, not a picture that drifts when a connection drops. ``--once`` (and any
stdout that is not a terminal) reads the result set through REST, prints the
table and exits 0, which also makes ``lq watch`` a readable ``find``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.exit_status import ExitStatus, UsageError, report
from livequery_cli.cli.query_input import SubscribeQuery, build_query, split_list
from livequery_cli.cli.settings.profiles import Settings, resolve, stored_token_lookup
from livequery_cli.cli.watch.result_table import ResultTable, default_columns

if TYPE_CHECKING:
    from livequery_cli.client.rest import RestClient

__all__ = ["WatchArgs", "run_watch"]

_SAMPLE = 20
_STATUS = {"quit": ExitStatus.SUCCESS, "SIGINT": ExitStatus.SIGINT, "SIGTERM": ExitStatus.SIGTERM}


@dataclass
class WatchArgs:
    """``lq watch``'s flags, as parsed by Typer."""

    class_name: str
    wheres: list[str] = field(default_factory=list)
    where_json: str | None = None
    query_file: str | None = None
    columns: str | None = None
    sort: str | None = None
    once: bool = False
    profile: str | None = None
    flags: dict[str, str | None] = field(default_factory=dict)


def run_watch(env: Environment, args: WatchArgs) -> int:
    """Check the input, show the table; return the exit status (never raises)."""
    settings: Settings | None = None
    try:
        query = build_query(
            args.class_name,
            wheres=args.wheres,
            where_json=args.where_json,
            query_file=args.query_file,
            stdin=env.stdin,
        )
        columns = split_list(args.columns, "--columns")
        sort_field, descending = _sort(args.sort)
        settings = resolve(
            flags=args.flags,
            env=env.env,
            stdin=env.stdin,
            profile_flag=args.profile,
            stored_token=stored_token_lookup(env.env),
        )
        if not settings.get("app_id"):
            raise UsageError("an application id is needed: --app-id or LQ_APP_ID")
        once = args.once or not env.stdout_isatty
        return asyncio.run(_watch(env, settings, query, columns, sort_field, descending, once))
    except (Exception, KeyboardInterrupt) as exc:
        return report(env.stderr, exc, profile=settings.profile if settings else args.profile)


def _sort(text: str | None) -> tuple[str | None, bool]:
    if not text:
        return None, False
    name = text.lstrip("-")
    if not name or "," in name:
        raise UsageError(f"--sort: expected one field, '-' first for descending, got {text!r}")
    return name, text.startswith("-")


async def _watch(
    env: Environment,
    settings: Settings,
    query: SubscribeQuery,
    columns: list[str] | None,
    sort_field: str | None,
    descending: bool,
    once: bool,
) -> int:
    from livequery_cli.cli.settings.tls import rest_session, tls_context

    tls, _ = tls_context(settings)
    session = rest_session(tls)
    rest = _rest_client(settings, session)
    try:
        if columns is None:
            sample = await rest.find(query.class_name, query.where, limit=_SAMPLE)
            columns = default_columns(sample)
        where = orjson.dumps(query.where).decode() if query.where else "everything"
        table = ResultTable(f"{query.class_name} where {where}", columns, sort_field, descending)
        if once:
            async for obj in rest.find_all(query.class_name, query.where):
                table.apply("snapshot", obj)
            _print_once(env, table)
            return ExitStatus.SUCCESS
        return await _live(env, settings, query, table, rest, tls)
    finally:
        await rest.close()
        if session is not None:
            await session.close()


def _rest_client(settings: Settings, session: Any) -> RestClient:
    from livequery_cli.client.rest import RestClient
    from livequery_cli.exceptions import ConfigError

    try:
        return RestClient(
            settings.server_url,
            settings.get("app_id") or "",
            javascript_key=settings.get("js_key"),
            master_key=settings.get("master_key"),
            session_token=settings.get("session_token"),
            session=session,
            proxy=settings.proxy_for(settings.server_url),
        )
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _print_once(env: Environment, table: ResultTable) -> None:
    from rich.console import Console

    width = int(env.env.get("COLUMNS", "0") or 0) or None
    console = Console(
        file=env.stdout,
        force_terminal=env.stdout_isatty,
        no_color=not env.use_color("auto", stream="stdout"),
        width=width if width else (None if env.stdout_isatty else 200),
    )
    table.state = "once"
    console.print(table.render())


async def _live(
    env: Environment,
    settings: Settings,
    query: SubscribeQuery,
    table: ResultTable,
    rest: RestClient,
    tls: Any,
) -> int:
    from livequery_cli.cli.watch.live_screen import run_screen
    from livequery_cli.client.live_query_client import LiveQueryClient
    from livequery_cli.client.transports.interface import websocket_connector
    from livequery_cli.synced.api import subscribe_synced

    client = LiveQueryClient(
        settings.get("app_id") or "",
        settings.live_query_url,
        javascript_key=settings.get("js_key"),
        master_key=settings.get("master_key"),
        session_token=settings.get("session_token"),
        connect=websocket_connector(ssl=tls, proxy=settings.get("proxy"), proxy_env=settings.env),
    )

    def state(text: str) -> None:
        table.state = text

    client.on("open", lambda: state("connected"))
    client.on("close", lambda: state("disconnected"))
    client.on("reconnect", lambda attempt, delay: state(f"reconnecting in {delay:.0f} s"))
    try:
        sub = await subscribe_synced(
            client, query.to_subscribe_query(), rest=rest, snapshot=True, resync=True
        )
        sub.on(
            "synced", lambda report: state("resynced" if report.kind == "resync" else "connected")
        )

        async def feed(changed: Any) -> None:
            async for event in sub:
                table.apply(event.op, event.object)
                changed()

        why = await run_screen(table, feed, stdin=env.stdin, stdout=env.stdout)
        return _STATUS[why]
    finally:
        await client.close()
