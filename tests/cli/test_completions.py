"""The checked-in completion scripts: in sync with the app, and working in bash."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli_run import lq
from support.parse_server import ParseServer

from livequery_cli.cli.completion_scripts import default_directory, render_all

REPO_COMPLETIONS = Path(__file__).resolve().parents[2] / "completions"


def test_checked_in_scripts_match_the_app() -> None:
    """Fails when a command or option changed without `lq completions generate`."""
    assert default_directory() == REPO_COMPLETIONS
    for name, text in render_all().items():
        path = REPO_COMPLETIONS / name
        assert path.exists(), f"{path} is missing: run `lq completions generate`"
        assert path.read_text("utf-8") == text, (
            f"{path} is out of date: run `lq completions generate`"
        )


def test_generate_writes_into_a_directory(tmp_path: Path) -> None:
    result = lq("completions", "generate", "--dir", str(tmp_path))
    assert result.status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_lq", "lq.bash", "lq.fish"]
    assert lq("completions", "generate", "--dir", str(tmp_path)).stdout == ""  # unchanged


def test_show_prints_one_script_and_rejects_unknown_shells() -> None:
    assert lq("completions", "show", "fish").stdout == render_all()["lq.fish"]
    bad = lq("completions", "show", "tcsh")
    assert bad.status == 2
    assert bad.stderr == "lq: error: unknown shell 'tcsh' (choose bash, zsh or fish)\n"


def _bash_complete(words: list[str], env: dict[str, str]) -> list[str]:
    script = REPO_COMPLETIONS / "lq.bash"
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"source '{script}'; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
        '_lq; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    return [line for line in result.stdout.splitlines() if line]


@pytest.fixture
def bash_env(isolated_config: Path) -> dict[str, str]:
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    bin_dir = Path(sys.executable).parent
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def test_bash_completes_commands_options_and_values(bash_env: dict[str, str]) -> None:
    assert _bash_complete(["lq", "ta"], bash_env) == ["tail"]
    assert _bash_complete(["lq", "tail", "Game", "--col"], bash_env) == ["--color"]
    assert _bash_complete(["lq", "tail", "Game", "--color", ""], bash_env) == [
        "auto",
        "always",
        "never",
    ]
    assert _bash_complete(["lq", "config", "sh"], bash_env) == ["show"]
    # An option's value is not mistaken for the subcommand.
    assert "--json" in _bash_complete(["lq", "tail", "-w", "a = 1", "Game", "--js"], bash_env)


def test_bash_completes_profile_names_from_the_config(
    bash_env: dict[str, str], isolated_config: Path
) -> None:
    (isolated_config / "config.toml").write_text("[profiles.prod]\n[profiles.staging]\n")
    assert _bash_complete(["lq", "tail", "Game", "--profile", ""], bash_env) == [
        "prod",
        "staging",
    ]


@pytest.mark.parametrize(("shell", "flag"), [("zsh", "-n"), ("fish", "--no-execute")])
def test_other_shells_parse_their_script(shell: str, flag: str) -> None:
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed")
    name = {"zsh": "_lq", "fish": "lq.fish"}[shell]
    subprocess.run([shell, flag, str(REPO_COMPLETIONS / name)], check=True, timeout=60)


def test_fish_completes_commands_and_values() -> None:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed")
    script = REPO_COMPLETIONS / "lq.fish"

    def complete(line: str) -> list[str]:
        result = subprocess.run(
            ["fish", "--no-config", "-c", f"source '{script}'; complete -C '{line}'"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return [row.split("\t")[0] for row in result.stdout.splitlines()]

    assert complete("lq ta") == ["tail"]
    assert complete("lq tail Game --color ") == ["always", "auto", "never"]
    assert complete("lq config ") == ["path", "profiles", "show"]
    assert complete("lq completions show ") == ["bash", "fish", "zsh"]


@pytest.mark.parse_server
def test_class_names_complete_from_the_server_schema(
    bash_env: dict[str, str], parse_server: ParseServer
) -> None:
    env = {
        **bash_env,
        "LQ_SERVER_URL": parse_server.rest_url,
        "LQ_APP_ID": parse_server.app_id,
        "LQ_MASTER_KEY": parse_server.master_key,
    }
    parse_server.rest.ensure_class("Game")
    assert "Game" in _bash_complete(["lq", "tail", "Ga"], env)
    assert _bash_complete(["lq", "tail", "Game", "--wat"], env) == ["--watch-fields"]
    # Without a master key there is nothing to ask: no candidates, no error.
    del env["LQ_MASTER_KEY"]
    assert _bash_complete(["lq", "tail", "Ga"], env) == []
