"""The Typer app behind ``lq``: the command tree, every command but ``tail`` loaded lazily.

Only Typer and the standard library are imported here. ``tail`` is the one
command whose start-up is measured against its peers (process start to
``subscribed``), so it is the only one built eagerly: every other command
(``explain``, the ``config`` and ``completions`` groups, and those whose
modules pull in the network stack or the server, ``login``, ``serve``...) is
registered lazily. Its module is imported, and its Click command built, only
when it runs; ``lq --help`` shows its one-line help from ``LAZY_COMMANDS``.
Help is rendered by Typer's plain formatter (``rich_markup_mode=None``),
which keeps Rich out of start-up.
"""

from __future__ import annotations

import importlib
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from livequery_cli import __version__

HELP_OPTION_NAMES = ["-h", "--help"]

# name -> (module in ``livequery_cli.cli.commands``, attribute, help): imported only
# when invoked. The attribute is a command function, or a Typer app for a group; the
# help is its docstring's first paragraph, shortened for ``lq --help`` as Click
# shortens an eager command's.
LAZY_COMMANDS: dict[str, tuple[str, str, str]] = {
    "explain": (
        "explain",
        "explain",
        "Print the Parse where JSON that --where compiles to, after LiveQuery's checks.",
    ),
    "find": (
        "find",
        "find",
        "Query CLASS once over REST and print the matching objects, then exit.",
    ),
    "watch": (
        "watch",
        "watch",
        "Show the objects of a live query on CLASS as a table, updated as they change.",
    ),
    "config": (
        "config",
        "config_app",
        "Show the configuration: effective settings, config file, profiles.",
    ),
    "completions": (
        "completions",
        "completions_app",
        "Shell completion scripts for bash, zsh and fish.",
    ),
    "login": ("account", "login", "Log in and store the session token."),
    "logout": ("account", "logout", "End the session and forget its token."),
    "whoami": ("account", "whoami", "Show the user of the session token."),
    "serve": ("serve", "serve", "Run the embedded LiveQuery server."),
    "demo": ("demo", "demo", "Run a demo server with sample writes."),
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
        module, attr, _ = LAZY_COMMANDS[cmd_name]
        # No ``except ImportError`` here: a command whose module is broken must fail
        # loudly (a traceback and exit 1), not vanish as "No such command".
        target = getattr(importlib.import_module(f"livequery_cli.cli.commands.{module}"), attr)
        if isinstance(target, typer.Typer):
            loaded: Any = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False, rich_markup_mode=None)
            single.command(cmd_name)(target)
            loaded = typer.main.get_command(single)
        loaded.name = cmd_name
        from livequery_cli.cli import plain_coercion

        plain_coercion.install(loaded, HELP_OPTION_NAMES)
        self.commands[cmd_name] = loaded
        return loaded

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        from typer._click.utils import make_default_short_help

        limit = formatter.width - 20
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS and name not in self.commands:
                rows.append((name, make_default_short_help(LAZY_COMMANDS[name][2], limit)))
                continue
            command = super().get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


app = typer.Typer(
    name="lq",
    cls=LazyGroup,
    help="Tail Parse LiveQuery subscriptions from the command line.",
    epilog="Manual: man lq. Exit statuses: 0 ok, 1 error, 2 usage, 3 connection failed, "
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
    from livequery_cli.cli.commands import tail as tail_cmd

    app.command(
        "tail",
        no_args_is_help=True,
        epilog="Output formats, settings and exit statuses: man lq.",
    )(tail_cmd.tail)


_register()
