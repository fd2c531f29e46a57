"""Every command imports and answers ``--help``; a broken command fails loudly.

Commands other than ``tail`` are imported only when invoked, so a broken
import in one of them would go unnoticed by every other test: this file
imports each command module and runs each command's (and each subcommand's)
``--help``.
"""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from support.cli_run import lq

import livequery_cli.cli.commands
from livequery_cli.cli import command_tree

COMMAND_MODULES = sorted(
    info.name for info in pkgutil.iter_modules(livequery_cli.cli.commands.__path__)
)
COMMANDS = sorted({"tail", *command_tree.LAZY_COMMANDS})
SUBCOMMANDS = [
    ("config", "show"),
    ("config", "path"),
    ("config", "profiles"),
    ("completions", "show"),
    ("completions", "generate"),
]


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_every_command_module_imports(module: str) -> None:
    importlib.import_module(f"livequery_cli.cli.commands.{module}")


def test_every_lazy_command_names_an_existing_module_and_attribute() -> None:
    for name, (module, attr, help_text) in command_tree.LAZY_COMMANDS.items():
        assert module in COMMAND_MODULES, name
        loaded = importlib.import_module(f"livequery_cli.cli.commands.{module}")
        assert hasattr(loaded, attr), name
        assert help_text


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_answers_help(command: str) -> None:
    result = lq(command, "--help")
    assert result.status == 0, result.stderr
    assert result.stdout.startswith(f"Usage: lq {command}"), result.stdout


@pytest.mark.parametrize(("group", "command"), SUBCOMMANDS)
def test_every_subcommand_answers_help(group: str, command: str) -> None:
    result = lq(group, command, "--help")
    assert result.status == 0, result.stderr
    assert result.stdout.startswith(f"Usage: lq {group} {command}"), result.stdout


def test_a_command_whose_module_is_broken_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = dict(command_tree.LAZY_COMMANDS)
    broken["explain"] = ("no_such_module", "explain", "Explain.")
    monkeypatch.setattr(command_tree, "LAZY_COMMANDS", broken)
    result = lq("explain", "--help")
    assert result.status == 1
    assert "No such command" not in result.stderr
    assert "no_such_module" in result.stderr


def test_every_command_with_a_where_flag_takes_unquoted_words() -> None:
    """The argv pre-pass that joins ``--where score gt 100`` must know every such command."""
    import typer

    from livequery_cli.cli import where_words

    group = typer.main.get_command(command_tree.app)
    with_where = set()
    for name in COMMANDS:
        command = group.get_command(None, name)  # type: ignore[attr-defined]
        if any("--where" in getattr(p, "opts", ()) for p in command.params):
            with_where.add(name)
    assert with_where <= where_words._COMMANDS
    assert {"tail", "explain"} <= with_where
