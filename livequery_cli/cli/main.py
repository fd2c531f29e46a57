"""The ``lq`` entry point: ``main()`` (the console script) and ``run()``.

``run(argv, env)`` is the testable entry point: it takes an ``Environment``
and returns the exit status, never raising; ``main()`` wires in the real
process. Start-up time is a feature of a tool used in scripts: ``lq
--version`` answers before Typer is even imported, and the Typer app
(``command_tree.py``) is built only when a command runs.
"""

from __future__ import annotations

import os
import sys

from livequery_cli import __version__
from livequery_cli.cli.environment import Environment

# Not ``typing.TYPE_CHECKING``: `lq --version` must not pay for importing ``typing``.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from contextlib import AbstractContextManager
    from typing import Any


def __getattr__(name: str) -> Any:
    """``app.app`` is the Typer app, built on first access (tools like ``typer ... run``)."""
    if name == "app":
        from livequery_cli.cli.command_tree import app

        return app
    raise AttributeError(name)


def _redirected(env: Environment) -> AbstractContextManager[Any]:
    """Point ``sys`` streams at ``env``'s while Typer's own output (help, usage) is printed."""
    import contextlib

    if env.stdout is sys.stdout and env.stderr is sys.stderr:
        return contextlib.nullcontext()
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(env.stdout))
    stack.enter_context(contextlib.redirect_stderr(env.stderr))
    return stack


def run(argv: Sequence[str], env: Environment) -> int:
    """Run ``lq`` with ``argv`` in ``env``; return the exit status (never raises)."""
    env.argv = list(argv)
    if list(argv) == ["--version"]:
        env.stdout.write(f"lq {__version__}\n")
        return 0
    from livequery_cli.cli.where_words import join_expression_words

    argv = join_expression_words(argv)
    env.argv = list(argv)
    import typer
    from typer import _click

    from livequery_cli.cli import plain_coercion
    from livequery_cli.cli.command_tree import HELP_OPTION_NAMES, app

    command = typer.main.get_command(app)
    plain_coercion.install(command, HELP_OPTION_NAMES)
    with _redirected(env):
        try:
            result = command.main(args=list(argv), prog_name="lq", standalone_mode=False, obj=env)
        except _click.exceptions.ClickException as exc:
            exc.show(file=env.stderr)
            return exc.exit_code
        except typer.Abort:
            from livequery_cli.cli.exit_status import ExitStatus

            return ExitStatus.SIGINT
        except (Exception, KeyboardInterrupt) as exc:
            from livequery_cli.cli.exit_status import report

            return report(env.stderr, exc)
    return int(result) if isinstance(result, int) else 0


def _silence_stdout() -> None:
    """After EPIPE, point fd 1 at /dev/null so the exit-time flush cannot complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


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
