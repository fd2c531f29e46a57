"""The ``lq`` command: the Typer app, its commands, and ``main()``.

Start-up time is a feature of a tool used in scripts, so this module imports
only Typer and the standard library. Commands whose modules pull in the
network stack or the server (``login``, ``serve``, ...) are registered lazily:
their module is imported only when that command runs. Help is rendered by
Typer's plain formatter (``rich_markup_mode=None``), which keeps Rich out of
``lq --help`` too; ``lq --version`` does not even import Typer.

``run(argv, env)`` is the testable entry point: it takes an ``Environment``
and returns the exit status; ``main()`` wires in the real process.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from livequery_cli import __version__
from livequery_cli.cli.environment import Environment

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
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
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


def current_environment(ctx: typer.Context) -> Environment:
    """The ``Environment`` given to ``run()``, or the real process's."""
    obj = ctx.find_root().obj
    if isinstance(obj, Environment):
        return obj
    env = Environment.from_process()
    ctx.find_root().obj = env
    return env


def _register() -> None:
    from livequery_cli.cli import completions_cmd, config_cmd, explain_cmd, tail_cmd

    app.command("tail", no_args_is_help=True)(tail_cmd.tail)
    app.command("explain")(explain_cmd.explain)
    app.add_typer(config_cmd.config_app, name="config")
    app.add_typer(completions_cmd.completions_app, name="completions")


_register()


@contextlib.contextmanager
def _redirected(env: Environment) -> Iterator[None]:
    """Point ``sys`` streams at ``env``'s while Typer's own output (help, usage) is printed."""
    if env.stdout is sys.stdout and env.stderr is sys.stderr:
        yield
        return
    with contextlib.redirect_stdout(env.stdout), contextlib.redirect_stderr(env.stderr):
        yield


def run(argv: Sequence[str], env: Environment) -> int:
    """Run ``lq`` with ``argv`` in ``env``; return the exit status (never raises)."""
    from typer import _click

    command = typer.main.get_command(app)
    with _redirected(env):
        try:
            result = command.main(args=list(argv), prog_name="lq", standalone_mode=False, obj=env)
        except _click.exceptions.ClickException as exc:
            exc.show(file=env.stderr)
            return exc.exit_code
        except typer.Abort:
            return 130
        except (Exception, KeyboardInterrupt) as exc:
            from livequery_cli.cli.exit_status import report

            return report(env.stderr, exc)
    return int(result) if isinstance(result, int) else 0


def _silence_stdout() -> None:
    """After EPIPE, point fd 1 at /dev/null so the exit-time flush cannot complain."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def main(argv: Sequence[str] | None = None, environment: Environment | None = None) -> None:
    """The ``lq`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    env = environment or Environment.from_process()
    status = run(args, env)
    try:
        env.stdout.flush()
    except (BrokenPipeError, ValueError):
        _silence_stdout()
    except OSError:
        pass
    sys.exit(status)
