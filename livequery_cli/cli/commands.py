"""The Typer app behind ``lq``: the command tree, with some commands loaded lazily.

Only Typer and the standard library are imported here. Commands whose
modules pull in the network stack or the server (``login``, ``serve``, ...)
are registered lazily: their module is imported only when that command runs,
and ``lq --help`` shows their one-line help from ``LAZY_COMMANDS``. Help is
rendered by Typer's plain formatter (``rich_markup_mode=None``), which keeps
Rich out of start-up.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from livequery_cli import __version__

HELP_OPTION_NAMES = ["-h", "--help"]

# name -> (module, function, one-line help): imported only when invoked.
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "login": ("livequery_cli.cli.auth_cmd", "login", "Log in and store the session token."),
    "logout": ("livequery_cli.cli.auth_cmd", "logout", "End the session and forget its token."),
    "whoami": ("livequery_cli.cli.auth_cmd", "whoami", "Show the user of the session token."),
    "serve": ("livequery_cli.cli.serve_cmd", "serve", "Run the embedded LiveQuery server."),
    "demo": ("livequery_cli.cli.serve_cmd", "demo", "Run a demo server with sample writes."),
}


class LazyGroup(TyperGroup):
    """A Typer group that imports some commands only when they are invoked."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = list(super().list_commands(ctx))
        return names + [name for name in LAZY_COMMANDS if name not in names]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in LAZY_COMMANDS:
            return command
        module_name, attr, _ = LAZY_COMMANDS[cmd_name]
        try:
            function = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError):
            return None
        single = typer.Typer(add_completion=False, rich_markup_mode=None)
        single.command(cmd_name)(function)
        loaded = typer.main.get_command(single)
        loaded.name = cmd_name
        from livequery_cli.cli import plain_coercion

        plain_coercion.install(loaded, HELP_OPTION_NAMES)
        self.commands[cmd_name] = loaded
        return loaded

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS and name not in self.commands:
                rows.append((name, LAZY_COMMANDS[name][2]))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 20)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    name="lq",
    cls=LazyGroup,
    help="Tail Parse LiveQuery subscriptions from the command line.",
    epilog="Docs: docs/cli.md. Exit statuses: 0 ok, 1 error, 2 usage, 3 connection failed, "
    "4 refused, 124 time limit, 130 SIGINT, 143 SIGTERM.",
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    context_settings={"help_option_names": HELP_OPTION_NAMES, "max_content_width": 100},
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"lq {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Show the version and exit.",
            is_eager=True,
            callback=_print_version,
        ),
    ] = False,
) -> None:
    """Tail Parse LiveQuery subscriptions from the command line."""


def _register() -> None:
    from livequery_cli.cli import completions_cmd, config_cmd, explain_cmd, tail_cmd

    app.command("tail", no_args_is_help=True)(tail_cmd.tail)
    app.command("explain")(explain_cmd.explain)
    app.add_typer(config_cmd.config_app, name="config")
    app.add_typer(completions_cmd.completions_app, name="completions")


_register()
