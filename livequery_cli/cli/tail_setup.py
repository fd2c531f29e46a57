"""From ``lq tail``'s flags to a running tail: check everything, then connect.

Everything that can be wrong with the input (flags, the ``--where``, the
template, the config) is checked before connecting, so a typo never costs a
connection attempt and always exits 2. Imports happen here, not in
``tail_cmd``, so that ``lq --help`` stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from livequery_cli.cli.config import Settings, resolve, stored_token_lookup
from livequery_cli.cli.environment import COLOR_CHOICES, Environment
from livequery_cli.cli.exit_status import UsageError, report
from livequery_cli.cli.query_input import SubscribeQuery, build_query, parse_events
from livequery_cli.cli.tail_cmd import TailArgs
from livequery_cli.exceptions import ConfigError

if TYPE_CHECKING:
    from livequery_cli.cli.environment import ColorChoice
    from livequery_cli.cli.tail_runner import Limits, Render

OUTPUT_CHOICES = ("pretty", "json", "raw")


def choose_output(args: TailArgs) -> str:
    """``pretty``, ``json``, ``raw`` or ``template`` from the output flags (exclusive)."""
    chosen = [
        name
        for name, given in (
            ("json", args.json),
            (f"-o {args.output}", args.output is not None),
            ("template", args.template is not None),
        )
        if given
    ]
    if len(chosen) > 1 and not (args.json and args.output == "json"):
        raise UsageError("--json, --output and --template are mutually exclusive")
    if args.template is not None:
        return "template"
    if args.json:
        return "json"
    if args.output is not None and args.output not in OUTPUT_CHOICES:
        raise UsageError(f"--output: unknown format {args.output!r} (choose pretty, json or raw)")
    return args.output or "pretty"


def make_render(kind: str, args: TailArgs, env: Environment, color: ColorChoice) -> Render:
    """The per-event renderer for the chosen output."""
    if kind == "json":
        from livequery_cli.cli.json_format import JsonFormat

        return JsonFormat()
    if kind == "raw":
        from livequery_cli.cli.json_format import RawFormat

        return RawFormat()
    if kind == "template":
        from livequery_cli.cli.template_format import TemplateFormat

        return TemplateFormat(args.template or "")
    from livequery_cli.cli.pretty_format import PrettyFormat

    return PrettyFormat(color=env.use_color(color, stream="stdout"))


def _color_choice(text: str) -> ColorChoice:
    for choice in COLOR_CHOICES:
        if text == choice:
            return choice
    raise UsageError(f"--color: unknown value {text!r} (choose auto, always or never)")


def run_tail(env: Environment, args: TailArgs) -> int:
    """Check the input, connect, tail; return the exit status."""
    settings: Settings | None = None
    try:
        plan = _prepare(env, args)
        settings = plan.settings
        return _tail(env, args, plan)
    except (Exception, KeyboardInterrupt) as exc:
        return report(env.stderr, exc, profile=settings.profile if settings else args.profile)


@dataclass
class _Plan:
    """Everything checked and ready before the first connection attempt."""

    settings: Settings
    render: Render
    query: SubscribeQuery
    events: frozenset[str] | None
    limits: Limits
    color: ColorChoice


def _prepare(env: Environment, args: TailArgs) -> _Plan:
    """Validate every flag, compile the query and resolve the settings; raise on bad input."""
    from livequery_cli.cli.durations import parse_duration

    color = _color_choice(args.color)
    kind = choose_output(args)
    render = make_render(kind, args, env, color)
    if args.count is not None and args.count < 1:
        raise UsageError("--count must be at least 1")
    if args.max_retries is not None and args.max_retries < 0:
        raise UsageError("--max-retries cannot be negative")
    durations: dict[str, float | None] = {}
    for name, text in (("timeout", args.timeout), ("idle", args.idle)):
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
    query = build_query(
        args.class_name,
        wheres=args.wheres,
        where_json=args.where_json,
        query_file=args.query_file,
        keys=args.keys,
        watch=args.watch_fields,
        stdin=env.stdin,
    )
    settings = resolve(
        flags=args.flags,
        env=env.env,
        stdin=env.stdin,
        profile_flag=args.profile,
        stored_token=stored_token_lookup(env.env),
    )
    for warning in settings.warnings:
        env.stderr.write(warning + "\n")
    if not settings.get("app_id"):
        raise ConfigError(
            "no application id: pass --app-id, set LQ_APP_ID, "
            f"or set app_id in profile {settings.profile!r} (see `lq config show`)"
        )
    _check_urls(settings)
    from livequery_cli.cli.tail_runner import Limits  # the event loop, once input is valid

    limits = Limits(count=args.count, timeout=durations["timeout"], idle=durations["idle"])
    return _Plan(settings, render, query, events, limits, color)


def _check_urls(settings: Settings) -> None:
    """A URL with the wrong scheme is a setting to fix, named with where it came from."""
    checks = (("server_url", ("http://", "https://")), ("live_query_url", ("ws://", "wss://")))
    for name, schemes in checks:
        value = settings.get(name)
        if value is not None and not value.startswith(schemes):
            source = settings.values[name].source
            # The value itself is not shown: URLs can carry credentials.
            raise ConfigError(f"{name} (from {source}) must start with {' or '.join(schemes)}")


def _tail(env: Environment, args: TailArgs, plan: _Plan) -> int:
    """Wire the status reporter, runner and LiveQuery source together and run the loop."""
    import asyncio

    from livequery_cli.cli.livequery_source import LiveQuerySource
    from livequery_cli.cli.status_line import StatusReporter
    from livequery_cli.cli.tail_runner import TailRunner

    _quiet_library_logs()
    status = StatusReporter(
        env.stderr, quiet=args.quiet, color=env.use_color(plan.color, stream="stderr")
    )
    runner = TailRunner(
        render=plan.render,
        writer_stream=env.binary_stdout(),
        events=plan.events,
        limits=plan.limits,
    )
    source = LiveQuerySource(
        settings=plan.settings,
        queries=[plan.query],
        status=status,
        max_retries=args.max_retries,
    )
    result = asyncio.run(runner.run(source))
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
