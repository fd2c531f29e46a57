"""``lq explain``: show the Parse ``where`` a ``--where`` compiles to, without connecting.

The same checks as ``lq tail`` run here, so ``lq explain`` is also the way to
ask "would LiveQuery evaluate this?" (exit 2 and the reason when it would not).
"""

from __future__ import annotations

from typing import Annotated

import typer

from livequery_cli.cli.environment import Environment


def explain(
    ctx: typer.Context,
    class_name: Annotated[
        str | None,
        typer.Argument(metavar="CLASS", help="Show the whole subscribe query for CLASS."),
    ] = None,
    where: Annotated[
        list[str] | None,
        typer.Option("--where", "-w", metavar="EXPR", help="Condition (repeat to AND)."),
    ] = None,
    where_json: Annotated[
        str | None, typer.Option("--where-json", metavar="JSON", help="Parse where JSON.")
    ] = None,
    query_file: Annotated[
        str | None,
        typer.Option("--query-file", metavar="FILE", help="JSON query file ('-' for stdin)."),
    ] = None,
    keys: Annotated[
        str | None, typer.Option("--keys", metavar="FIELDS", help="Server-side 'keys'.")
    ] = None,
    watch_fields: Annotated[
        str | None,
        typer.Option("--watch-fields", metavar="FIELDS", help="Server-side 'watch'."),
    ] = None,
) -> int:
    """Print the Parse where JSON that --where compiles to, after LiveQuery's checks.

    One line when piped; indented on a terminal.
    """
    from livequery_cli.cli.environment import current_environment

    return run_explain(
        current_environment(ctx),
        class_name=class_name,
        wheres=list(where or []),
        where_json=where_json,
        query_file=query_file,
        keys=keys,
        watch_fields=watch_fields,
    )


def run_explain(
    env: Environment,
    *,
    class_name: str | None,
    wheres: list[str],
    where_json: str | None = None,
    query_file: str | None = None,
    keys: str | None = None,
    watch_fields: str | None = None,
) -> int:
    """Compile, validate and print; return the exit status."""
    import orjson

    from livequery_cli.cli.exit_status import report
    from livequery_cli.cli.query_input import build_query

    try:
        query = build_query(
            class_name or "_",
            wheres=wheres,
            where_json=where_json,
            query_file=query_file,
            keys=keys,
            watch=watch_fields,
            stdin=env.stdin,
        )
    except Exception as exc:
        return report(env.stderr, exc)
    shown = query.to_subscribe_query() if class_name else query.where
    # Indented for a person at a terminal; one line for a pipe (``jq``, ``grep``, scripts).
    indent = orjson.OPT_INDENT_2 if env.stdout_isatty else 0
    env.stdout.write(orjson.dumps(shown, option=indent).decode() + "\n")
    env.stdout.flush()
    return 0
