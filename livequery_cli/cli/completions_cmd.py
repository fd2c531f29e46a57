"""``lq completions``: print or regenerate the shell completion scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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
    from livequery_cli.cli.app import current_environment
    from livequery_cli.cli.completion_scripts import (
        SHELLS,
        bash_script,
        describe_app,
        fish_script,
        zsh_script,
    )
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
    from livequery_cli.cli.app import current_environment
    from livequery_cli.cli.completion_scripts import default_directory, write_all

    env = current_environment(ctx)
    target = directory or default_directory()
    for written in write_all(target):
        env.stdout.write(f"wrote {written}\n")
    return 0
