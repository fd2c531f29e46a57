"""``lq completions``: print or regenerate the shell completion scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from livequery_cli.cli.environment import Environment

completions_app = typer.Typer(
    help="Shell completion scripts for bash, zsh and fish.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


@completions_app.command("show")
def show(
    ctx: typer.Context,
    shell: Annotated[str, typer.Argument(metavar="SHELL", help="bash, zsh or fish.")],
) -> int:
    """Print the completion script for SHELL (e.g. source <(lq completions show bash))."""
    from livequery_cli.cli.completion_scripts import (
        SHELLS,
        bash_script,
        describe_app,
        fish_script,
        zsh_script,
    )
    from livequery_cli.cli.environment import current_environment
    from livequery_cli.cli.exit_status import UsageError, report

    env = current_environment(ctx)
    if shell not in SHELLS:
        return report(env.stderr, UsageError(f"unknown shell {shell!r} (choose bash, zsh or fish)"))
    builders = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}
    env.stdout.write(builders[shell](describe_app()))
    return 0


@completions_app.command("generate")
def generate(
    ctx: typer.Context,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", metavar="DIR", help="Target directory [default: completions/]."),
    ] = None,
) -> int:
    """Regenerate the checked-in scripts in completions/ from the app."""
    from livequery_cli.cli.completion_scripts import default_directory, write_all
    from livequery_cli.cli.environment import current_environment

    env = current_environment(ctx)
    target = directory or default_directory()
    for written in write_all(target):
        env.stdout.write(f"wrote {written}\n")
    return 0


@completions_app.command("classes", hidden=True)
def classes(
    ctx: typer.Context,
    profile: Annotated[str | None, typer.Option("--profile", "-p", metavar="NAME")] = None,
) -> int:
    """Print the server's class names (for completing CLASS; needs a master key)."""
    from livequery_cli.cli.environment import current_environment

    return run_classes(current_environment(ctx), profile=profile)


def run_classes(env: Environment, *, profile: str | None = None) -> int:
    """Class names from ``GET schemas``, one per line; silent when they cannot be had.

    Completion must never print errors into the user's command line, so any
    failure (no master key, server down, slow answer) just prints nothing.
    """
    import asyncio

    from livequery_cli.cli.settings.profiles import resolve
    from livequery_cli.exceptions import LiveQueryError

    try:
        settings = resolve(flags={}, env=env.env, stdin=env.stdin, profile_flag=profile)
    except LiveQueryError:
        return 0
    app_id, master_key = settings.get("app_id"), settings.get("master_key")
    if not app_id or not master_key:
        return 0

    async def fetch() -> list[str]:
        from livequery_cli.client.rest import RestClient

        client = RestClient(
            settings.server_url,
            app_id,
            master_key=master_key,
            timeout=3.0,
            proxy=settings.proxy_for(settings.server_url),
        )
        try:
            schemas = await client.schemas()
        finally:
            await client.close()
        return sorted(str(item.get("className")) for item in schemas if item.get("className"))

    try:
        names = asyncio.run(fetch())
    except (TimeoutError, LiveQueryError, OSError, ValueError):
        return 0
    for name in names:
        env.stdout.write(f"{name}\n")
    return 0
