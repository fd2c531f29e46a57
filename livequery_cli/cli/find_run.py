"""``lq find``'s work: check the input, then stream the result set page by page to stdout.

Everything that can be wrong with the input is checked before the first
request, so a typo exits 2 without touching the network, as in ``lq tail``.
Pages are written as they arrive, one ``write`` per page, and the next page
is requested only after the last was written: memory is bounded by the page
size whatever the result size, and when stdout's reader goes away (``|
head``) the write fails, the paging stops, and ``lq`` exits 0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.exit_status import ExitStatus, UsageError, report
from livequery_cli.cli.output.output_format import RecordKind
from livequery_cli.cli.query_input import SubscribeQuery, build_query, split_list
from livequery_cli.cli.settings.profiles import Settings, resolve_for
from livequery_cli.exceptions import ConfigError

if TYPE_CHECKING:
    import ssl

    import aiohttp

    from livequery_cli.cli.tail.runner import Render
    from livequery_cli.client.rest import RestClient

__all__ = ["FindArgs", "open_rest", "run_find"]

FIND_OP = "object"
"""The ``op`` of a ``lq find`` record, as ``snapshot`` is a ``--snapshot`` record's."""


@dataclass
class FindArgs:
    """``lq find``'s flags, as parsed by Typer."""

    class_name: str
    wheres: list[str] = field(default_factory=list)
    where_json: str | None = None
    query_file: str | None = None
    keys: str | None = None
    order: str | None = None
    limit: int | None = None
    include: str | None = None
    count: bool = False
    page_size: int = 1000
    json: bool = False
    output: str | None = None
    template: str | None = None
    color: str | None = None
    """``--color``; ``None``: the ``color`` setting (``LQ_COLOR``, profile), else auto."""
    show: str | None = None
    timestamps: str | None = None
    wide: bool = False
    exit_status: bool = False
    profile: str | None = None
    flags: dict[str, str | None] = field(default_factory=dict)


@dataclass
class _Plan:
    settings: Settings
    query: SubscribeQuery
    render: Render | None
    order: list[str] | None
    include: list[str] | None
    tls: ssl.SSLContext | None


def run_find(env: Environment, args: FindArgs) -> int:
    """Check the input, query, print; return the exit status (never raises)."""
    import asyncio

    settings: Settings | None = None
    try:
        plan = _prepare(env, args)
        settings = plan.settings
        return asyncio.run(_find(env, args, plan))
    except (Exception, KeyboardInterrupt) as exc:
        return report(env.stderr, exc, profile=settings.profile if settings else args.profile)


def _prepare(env: Environment, args: FindArgs) -> _Plan:
    from livequery_cli.cli.tail.args import TailArgs
    from livequery_cli.cli.tail.output_settings import OutputChoice, check_output_flags

    # The output flags are ``lq tail``'s: the same checks, settings and formats.
    as_tail = TailArgs(
        class_name=args.class_name,
        json=args.json,
        output=args.output,
        template=args.template,
        color=args.color,
        show=args.show,
        timestamps=args.timestamps,
        wide=args.wide,
    )
    check_output_flags(as_tail)
    if args.count:
        clashing = [
            flag
            for flag, given in (
                ("--json", args.json),
                ("--output", args.output is not None),
                ("--template", args.template is not None),
                ("--show", args.show is not None),
                ("--timestamps", args.timestamps is not None),
                ("--wide", args.wide),
                ("--order", args.order is not None),
                ("--limit", args.limit is not None),
                ("--include", args.include is not None),
            )
            if given
        ]
        if clashing:
            raise UsageError(f"--count prints a number: it cannot be used with {clashing[0]}")
    if args.limit is not None and args.limit < 0:
        raise UsageError("--limit cannot be negative")
    if args.page_size < 1:
        raise UsageError("--page-size must be at least 1")
    order = split_list(args.order, "--order")
    if order is not None and any(not name.lstrip("-") for name in order):
        raise UsageError(f"--order: empty field name in {args.order!r}")
    include = split_list(args.include, "--include")
    query = build_query(
        args.class_name,
        wheres=args.wheres,
        where_json=args.where_json,
        query_file=args.query_file,
        keys=args.keys,
        stdin=env.stdin,
    )
    if query.watch:
        raise UsageError("--query-file: 'watch' means nothing to lq find (it has no updates)")
    settings = resolve_for(env, flags=args.flags, profile=args.profile)
    output = OutputChoice.from_settings(as_tail, settings)
    render = None if args.count else output.render(env)
    query = query.with_shown(output.show)
    if not settings.get("app_id"):
        raise ConfigError(
            "no application id: pass --app-id, set LQ_APP_ID, "
            f"or set app_id in profile {settings.profile!r} (see `lq config show`)"
        )
    if not settings.server_url.startswith(("http://", "https://")):
        source = settings.values["server_url"].source
        raise ConfigError(f"server_url (from {source}) must start with http:// or https://")
    from livequery_cli.cli.settings.tls import INSECURE_WARNING, tls_context

    tls, insecure = tls_context(settings)
    if insecure:
        env.stderr.write(INSECURE_WARNING + "\n")
    return _Plan(settings, query, render, order, include, tls)


def open_rest(
    settings: Settings, tls: ssl.SSLContext | None
) -> tuple[RestClient, aiohttp.ClientSession | None]:
    """A REST client for the settings, and the session to close after it (None: its own)."""
    from livequery_cli.cli.settings.tls import rest_session
    from livequery_cli.client.rest import RestClient

    session = rest_session(tls)
    rest = RestClient(
        settings.server_url,
        settings.get("app_id") or "",
        javascript_key=settings.get("js_key"),
        master_key=settings.get("master_key"),
        session_token=settings.get("session_token"),
        session=session,
        proxy=settings.proxy_for(settings.server_url),
    )
    return rest, session


async def _find(env: Environment, args: FindArgs, plan: _Plan) -> int:
    rest, session = open_rest(plan.settings, plan.tls)
    try:
        if plan.render is None:
            found = await rest.count(plan.query.class_name, plan.query.where)
            env.stdout.write(f"{found}\n")
            env.stdout.flush()
        else:
            found = await _print_pages(env, args, plan, plan.render, rest)
    finally:
        await rest.close()
        if session is not None:
            await session.close()
    if args.exit_status and found == 0:
        return int(ExitStatus.ERROR)
    return int(ExitStatus.SUCCESS)


async def _print_pages(
    env: Environment, args: FindArgs, plan: _Plan, render: Render, rest: RestClient
) -> int:
    """Write every page as it arrives; return how many objects were written."""
    from livequery_cli.cli.output.event_record import TailEvent
    from livequery_cli.client.paged_find import find_pages

    query = plan.query
    class_name = query.class_name
    stream = env.binary_stdout()
    seq = 0
    pages = find_pages(
        rest,
        class_name,
        query.where,
        keys=query.keys,
        order=plan.order,
        include=plan.include,
        limit=args.limit,
        page_size=args.page_size,
    )
    try:
        async for page in pages:
            now = time.time()
            lines: list[bytes] = []
            for obj in page:
                seq += 1
                record: dict[str, Any] = obj
                record.setdefault("className", class_name)
                event = TailEvent(
                    FIND_OP,
                    record,
                    None,
                    class_name=class_name,
                    seq=seq,
                    ts=now,
                    kind=RecordKind.OBJECT,
                )
                lines.append(render(event))
            try:
                stream.write(b"".join(lines))
                stream.flush()
            except BrokenPipeError:
                # The reader went away (``| head``): a normal end; ask for no more pages.
                return seq
    finally:
        await pages.aclose()
    return seq
