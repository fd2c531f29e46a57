"""The ``lq(1)`` manual page: in sync with the command tree, valid roff, installed.

Like the completion scripts, ``man/lq.1`` is generated from the app
(``python -m livequery_cli.cli.man_page``); these tests fail when a command
or flag changed without regenerating it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import typer
from support.cli_run import lq

from livequery_cli.cli.command_tree import app
from livequery_cli.cli.man_page import default_path, render, write

REPO = Path(__file__).resolve().parents[2]


def test_checked_in_page_matches_the_app() -> None:
    assert default_path() == REPO / "man" / "lq.1"
    assert default_path().read_text("utf-8") == render(), (
        "man/lq.1 is out of date: run `python -m livequery_cli.cli.man_page`"
    )


def test_every_command_and_option_is_in_the_page() -> None:
    page = render()
    root = typer.main.get_command(app)
    ctx = root.make_context("lq", [], resilient_parsing=True)
    for name in root.list_commands(ctx):
        command = root.get_command(ctx, name)
        assert f".SS lq {name} " in page
        for param in command.params:
            if param.param_type_name == "argument":
                assert f"\\fI{param.metavar or param.name.upper()}\\fR" in page, (name, param)
                continue
            for opt in param.opts:
                assert opt.replace("-", "\\-") in page, (name, opt)
    for variable in ("LQ_APP_ID", "LQ_SHOW", "LQ_TIMESTAMPS", "LQ_MAX_BACKOFF", "LQ_PROFILE"):
        assert f"\\fB{variable}\\fR" in page
    for status in ("0", "2", "124", "143"):
        assert f".TP\n\\fB{status}\\fR\n" in page


def test_write_reports_changes(tmp_path: Path) -> None:
    target = tmp_path / "man1" / "lq.1"
    assert write(target) is True
    assert write(target) is False
    assert target.read_text("utf-8") == render()


@pytest.mark.skipif(shutil.which("man") is None, reason="no man(1) here")
def test_man_renders_the_page_without_warnings() -> None:
    result = subprocess.run(
        ["man", "--warnings", "-l", str(default_path())],
        capture_output=True,
        text=True,
        env={**os.environ, "MANWIDTH": "100", "LC_ALL": "C.UTF-8", "MANPAGER": "cat"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "lq tail [OPTIONS] CLASS" in result.stdout
    assert "--max-backoff DURATION" in result.stdout


def test_the_wheel_installs_the_page_under_share_man() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    shared = config["tool"]["hatch"]["build"]["targets"]["wheel"]["shared-data"]
    assert shared == {"man/lq.1": "share/man/man1/lq.1"}


def test_help_epilogs_point_to_the_manual_not_the_repository() -> None:
    for args in (["--help"], ["tail", "--help"]):
        text = lq(*args).stdout
        assert "man lq" in text, args
        assert "docs/" not in text, args
