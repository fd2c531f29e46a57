"""From ``lq watch``'s flags to a table: check everything, then draw once or live.

The query, settings and connection checks are ``lq tail``'s (``prepare_tail``),
so a typo exits 2 before any connection, as there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.exit_status import UsageError, report
from livequery_cli.cli.query_input import split_list

__all__ = ["WatchArgs", "run_watch"]


@dataclass
class WatchArgs:
    """``lq watch``'s flags, as parsed by Typer."""

    class_name: str
    wheres: list[str] = field(default_factory=list)
    where_json: str | None = None
    query_file: str | None = None
    keys: str | None = None
    columns: str | None = None
    sort: str | None = None
    once: bool = False
    color: str | None = None
    """``--color``; ``None``: the ``color`` setting (``LQ_COLOR``, profile), else auto."""
    profile: str | None = None
    flags: dict[str, str | None] = field(default_factory=dict)


def run_watch(env: Environment, args: WatchArgs) -> int:
    """Check the input, then print the table once or run it live; never raises."""
    profile = args.profile
    try:
        from livequery_cli.cli.tail.args import TailArgs
        from livequery_cli.cli.tail.setup import prepare_tail
        from livequery_cli.cli.watch.result_table import ResultTable

        columns = split_list(args.columns, "--columns")
        if args.sort is not None and not args.sort.lstrip("-").strip():
            raise UsageError("--sort: expected a field name, e.g. score or -score")
        tail_args = TailArgs(
            class_name=args.class_name,
            wheres=args.wheres,
            where_json=args.where_json,
            query_file=args.query_file,
            keys=args.keys,
            color=args.color,
            snapshot=True,
            resync=True,
            profile=args.profile,
            flags=args.flags,
            quiet=True,
        )
        plan = prepare_tail(env, tail_args)
        profile = plan.settings.profile
        if len(plan.queries) != 1:
            raise UsageError("lq watch shows one query (the query file holds several)")
        query = plan.queries[0]
        title = query.class_name
        if query.where:
            import orjson

            title += " where " + orjson.dumps(query.where).decode()
        model = ResultTable(title, columns=columns, sort=args.sort)
        color = env.use_color(plan.color, stream="stdout")
        if args.once or not env.stdout_isatty:
            from livequery_cli.cli.watch.live_screen import print_once

            return print_once(env, plan, model, color=color)
        from livequery_cli.cli.watch.live_screen import watch_live

        return watch_live(env, plan, model, color=color)
    except (Exception, KeyboardInterrupt) as exc:
        return report(env.stderr, exc, profile=profile)
