"""From ``lq tail``'s flags to a running tail: check everything, then connect.

Everything that can be wrong with the input (flags, the ``--where``, the
template, the config) is checked before connecting, so a typo never costs a
connection attempt and always exits 2. Imports happen here, not in
``tail_cmd``, so that ``lq --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ssl

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.exit_status import ExitStatus, UsageError, report
from livequery_cli.cli.output.output_format import OutputFormat
from livequery_cli.cli.query_input import (
    SubscribeQuery,
    build_queries,
    build_query,
    parse_events,
)
from livequery_cli.cli.settings.profiles import Settings, resolve_for
from livequery_cli.cli.tail.args import TailArgs
from livequery_cli.exceptions import ConfigError

if TYPE_CHECKING:
    from livequery_cli.cli.environment import ColorChoice
    from livequery_cli.cli.tail.exec_stage import ExecOptions, ExecStage
    from livequery_cli.cli.tail.resync_stage import SyncOptions, SyncStage
    from livequery_cli.cli.tail.runner import Limits, Render

__all__ = ["TailPlan", "prepare_tail", "run_tail"]


def run_tail(env: Environment, args: TailArgs) -> int:
    """Check the input, connect, tail; return the exit status."""
    settings: Settings | None = None
    try:
        plan = prepare_tail(env, args)
        settings = plan.settings
        return _tail(env, args, plan)
    except (Exception, KeyboardInterrupt) as exc:
        return report(
            env.stderr,
            exc,
            profile=settings.profile if settings else args.profile,
            token_source=settings.values["session_token"].source if settings else None,
        )


@dataclass
class TailPlan:
    """Everything checked and ready before the first connection attempt."""

    settings: Settings
    render: Render
    queries: list[SubscribeQuery]
    events: frozenset[str] | None
    limits: Limits
    color: ColorChoice
    sync: SyncOptions
    urls: list[str]
    stats_interval: float | None
    tls: ssl.SSLContext | None = None
    max_backoff: float = 5.0
    exec: ExecOptions | None = None


def prepare_tail(env: Environment, args: TailArgs) -> TailPlan:
    """Validate every flag, compile the query and resolve the settings; raise on bad input."""
    from livequery_cli.cli.durations import parse_duration
    from livequery_cli.cli.tail.output_settings import (
        OutputChoice,
        check_output_flags,
        max_backoff,
    )

    check_output_flags(args)
    exec_options = _exec_options(args)
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    if args.max_retries is not None and args.max_retries < 0:
        raise UsageError("--max-retries cannot be negative")
    if args.exit_status and args.until is None:
        raise UsageError("--exit-status needs --until")
    durations: dict[str, float | None] = {}
    for name, text in (
        ("timeout", args.timeout),
        ("idle", args.idle),
        ("stats-interval", args.stats_interval),
    ):
        try:
            durations[name] = None if text is None else parse_duration(text)
        except ValueError as exc:
            raise UsageError(f"--{name}: {exc}") from None
    readers = [
        flag
        for flag, value in (
            ("--query-file", args.query_file),
            ("--master-key-file", args.flags.get("master_key_file")),
            ("--session-token-file", args.flags.get("session_token_file")),
        )
        if value == "-"
    ]
    if len(readers) > 1:
        raise UsageError(f"only one of {' and '.join(readers)} can read stdin ('-')")
    events = parse_events(args.events)
    main_wheres, also_groups = _split_also(args)
    queries = build_queries(
        args.class_name,
        wheres=main_wheres,
        where_json=args.where_json,
        query_file=args.query_file,
        keys=args.keys,
        watch=args.watch_fields,
        stdin=env.stdin,
    )
    queries.extend(_also_query(spec, wheres) for spec, wheres in also_groups)
    until = _until_matcher(args.until)
    since = _since(args.since)
    settings = resolve_for(
        env, flags={**args.flags, "max_backoff": args.max_backoff}, profile=args.profile
    )
    output = OutputChoice.from_settings(args, settings)
    if args.status_events and output.kind is not OutputFormat.JSON:
        raise UsageError("--status-events needs --json")
    render = output.render(env, class_width=_class_width(queries))
    queries = [query.with_shown(output.show) for query in queries]
    if not settings.get("app_id"):
        raise ConfigError(
            "no application id: pass --app-id, set LQ_APP_ID, "
            f"or set app_id in profile {settings.profile!r} (see `lq config show`)"
        )
    urls = _check_urls(settings)
    from livequery_cli.cli.settings.tls import INSECURE_WARNING, tls_context

    tls, insecure = tls_context(settings)
    from livequery_cli.cli.tail.resync_stage import SyncOptions
    from livequery_cli.cli.tail.runner import Limits  # the event loop, once input is valid

    limits = Limits(
        count=args.count,
        timeout=durations["timeout"],
        idle=durations["idle"],
        until=until,
        exit_status=args.exit_status,
    )
    resync = args.resync if args.resync is not None else _rest_url_known(settings)
    sync = SyncOptions(snapshot=args.snapshot, resync=resync, since=since)
    interval = durations["stats-interval"] if args.stats_interval is not None else 10.0
    if args.stats and not interval:
        raise UsageError("--stats-interval must be more than 0")
    plan = TailPlan(
        settings,
        render,
        queries,
        events,
        limits,
        output.color,
        sync,
        urls,
        interval if args.stats else None,
        tls,
        max_backoff(settings),
        exec_options,
    )
    if insecure:  # last: only a run that will connect warns
        env.stderr.write(INSECURE_WARNING + "\n")
    return plan


def _exec_options(args: TailArgs) -> ExecOptions | None:
    """``--exec`` and its companions, checked; ``None`` without ``--exec``."""
    if args.exec is None:
        companions = [
            flag
            for flag, given in (
                ("--shell", args.shell),
                ("--exec-concurrency", args.exec_concurrency != 1),
                ("--exec-timeout", args.exec_timeout is not None),
                ("--on-exec-error", args.on_exec_error != "continue"),
            )
            if given
        ]
        if companions:
            raise UsageError(f"{companions[0]} needs --exec")
        return None
    if args.json or args.output is not None or args.template is not None:
        raise UsageError(
            "--exec runs a command per event instead of printing it:"
            " it cannot be used with --json, --output or --template"
        )
    if args.exec_concurrency < 1:
        raise UsageError("--exec-concurrency must be at least 1")
    if args.on_exec_error not in ("continue", "stop"):
        raise UsageError(
            f"--on-exec-error: unknown value {args.on_exec_error!r} (choose continue or stop)"
        )
    from livequery_cli.cli.durations import parse_duration
    from livequery_cli.cli.tail.exec_command import ExecCommand
    from livequery_cli.cli.tail.exec_stage import ExecOptions

    timeout = None
    if args.exec_timeout is not None:
        try:
            timeout = parse_duration(args.exec_timeout)
        except ValueError as exc:
            raise UsageError(f"--exec-timeout: {exc}") from None
        if not timeout:
            raise UsageError("--exec-timeout must be more than 0")
    return ExecOptions(
        command=ExecCommand(args.exec, shell=args.shell),
        concurrency=args.exec_concurrency,
        timeout=timeout,
        stop_on_error=args.on_exec_error == "stop",
    )


def _class_width(queries: list[SubscribeQuery]) -> int:
    """Pad class names to the longest when several queries share the output."""
    if len(queries) < 2:
        return 0
    return max(len(query.class_name) for query in queries)


def _split_also(args: TailArgs) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The main query's ``--where`` values, and each ``--also`` with the ones after it."""
    if not args.also:
        return list(args.wheres), []
    from livequery_cli.cli.tail.also_order import group_wheres

    grouped = group_wheres(args.argv or [], args.wheres, args.also)
    if grouped is not None:
        return grouped
    if args.wheres:
        raise UsageError(
            "cannot tell which query each --where belongs to here; "
            "write the condition into --also 'CLASS where EXPR'"
        )
    return [], [(spec, []) for spec in args.also]


def _also_query(spec: str, wheres: list[str]) -> SubscribeQuery:
    """``--also Player --where 'online = true'`` or ``--also 'Player where online = true'``."""
    class_name, sep, condition = spec.strip().partition(" where ")
    class_name = class_name.strip()
    if not class_name or " " in class_name:
        raise UsageError(f"--also: expected 'CLASS' or 'CLASS where EXPR', got {spec!r}")
    if sep and not condition.strip():
        raise UsageError(f"--also {spec!r}: nothing after 'where'")
    inline = [condition] if sep else []
    return build_query(class_name, wheres=[*inline, *wheres])


def _until_matcher(text: str | None) -> Callable[[dict[str, Any]], bool] | None:
    """``--until EXPR`` compiled to a matcher (the same checks as ``--where``)."""
    if text is None:
        return None
    from livequery_cli.cli.query_input import compile_where_texts
    from livequery_cli.exceptions import QueryError, WhereSyntaxError
    from livequery_cli.matching import compile_where

    try:
        return compile_where(compile_where_texts([text]))
    except WhereSyntaxError as exc:  # say which flag: the source alone could be any
        raise WhereSyntaxError(
            f"--until: {exc}", source=exc.source, start=exc.start, end=exc.end
        ) from None
    except QueryError as exc:
        raise QueryError(f"--until: {exc}") from None


def _since(text: str | None) -> datetime | None:
    if text is None:
        return None
    from livequery_cli.synced.fetch import parse_since

    try:
        return parse_since(text)
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None


def _rest_url_known(settings: Settings) -> bool:
    """Resync needs the REST API: known when set, or when LiveQuery is derived from it."""
    return settings.values["server_url"].source != "default" or not settings.get("live_query_url")


def _check_urls(settings: Settings) -> list[str]:
    """A URL with the wrong scheme is a setting to fix, named with where it came from.

    Returns the LiveQuery URLs to fail over between (one unless a
    comma-separated list was given).
    """
    from livequery_cli.cli.tail.failover_urls import split_urls

    checks = (("server_url", ("http://", "https://")), ("live_query_url", ("ws://", "wss://")))
    for name, schemes in checks:
        value = settings.get(name)
        parts = split_urls(value) if value is not None else []
        if value is not None and (not parts or not all(p.startswith(schemes) for p in parts)):
            source = settings.values[name].source
            # The value itself is not shown: URLs can carry credentials.
            raise ConfigError(f"{name} (from {source}) must start with {' or '.join(schemes)}")
        if name == "server_url" and len(parts) > 1:
            raise ConfigError("server_url takes one URL (only live_query_url takes a list)")
    return split_urls(settings.live_query_url)


def _tail(env: Environment, args: TailArgs, plan: TailPlan) -> int:
    """Wire the status reporter, runner and LiveQuery source together and run the loop."""
    import asyncio

    from livequery_cli.cli.tail.livequery_source import LiveQuerySource
    from livequery_cli.cli.tail.runner import TailRunner
    from livequery_cli.cli.tail.status_line import StatusReporter

    _quiet_library_logs()
    status = StatusReporter(
        env.stderr, quiet=args.quiet, color=env.use_color(plan.color, stream="stderr")
    )
    stats = None
    if plan.stats_interval is not None:
        from livequery_cli.cli.tail.stats import TailStats

        stats = TailStats(env.stderr, interval=plan.stats_interval)
    exec_stage = _exec_stage(env, plan)
    runner = TailRunner(
        render=plan.render if exec_stage is None else exec_stage,
        writer_stream=env.binary_stdout(),
        events=plan.events,
        limits=plan.limits,
        status_events=args.status_events,
        counter=stats.count if stats is not None else None,
        on_blocked_signal=exec_stage.let_go if exec_stage is not None else None,
    )
    if exec_stage is not None:
        exec_stage.bind_failure(runner)
    make_sync: Callable[[Callable[[BaseException], None]], SyncStage] | None = None
    if plan.sync.enabled:
        from livequery_cli.cli.tail.resync_stage import SyncStage

        def make_sync(fail: Callable[[BaseException], None]) -> SyncStage:
            return SyncStage(
                plan.sync,
                plan.settings,
                status=status,
                deliver_marked=runner.deliver_marked,
                status_event=runner.status_event,
                fail=fail,
                stats=stats,
                several=len(plan.queries) > 1,
                tls=plan.tls,
            )

    source = LiveQuerySource(
        settings=plan.settings,
        queries=plan.queries,
        status=status,
        max_retries=args.max_retries,
        max_backoff=plan.max_backoff,
        urls=plan.urls,
        sync=make_sync,
        status_event=runner.status_event,
        stats=stats,
        tls=plan.tls,
    )
    drain = False
    try:
        result = asyncio.run(runner.run(source))
        # Commands still queued run when the tail ends on its own, not after Ctrl-C/SIGTERM.
        drain = result not in (ExitStatus.SIGINT, ExitStatus.SIGTERM)
    finally:
        error = exec_stage.close(drain=drain) if exec_stage is not None else None
    if error is not None:
        raise error
    if runner.ended_by == "timeout":
        status.note(f"stopped: --timeout {args.timeout} reached (exit {int(result)})")
    elif runner.ended_by == "idle":
        status.note(f"stopped: no event for {args.idle} (--idle; exit {int(result)})")
    return int(result)


def _quiet_library_logs() -> None:
    """Mute the library's logger: the CLI reports every error itself, in one line.

    Its records would repeat them, and Python's last-resort handler would
    print them raw on stderr.
    """
    import logging

    logger = logging.getLogger("livequery_cli")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False


def _exec_stage(env: Environment, plan: TailPlan) -> ExecStage | None:
    """The ``--exec`` stage, its commands writing straight to lq's stdout."""
    if plan.exec is None:
        return None
    from livequery_cli.cli.tail.exec_stage import ExecStage

    try:
        stdout: int | None = env.binary_stdout().fileno()
    except (AttributeError, OSError, ValueError):  # an in-memory stream: the process's own
        stdout = None
    return ExecStage(plan.exec, stdout=stdout, stderr=env.stderr, base_env=env.env)
