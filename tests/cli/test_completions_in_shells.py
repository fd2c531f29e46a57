"""The completion scripts, run by bash, zsh and fish on scripted command lines.

Each shell loads the checked-in script from ``completions/`` and completes a
line as it would on a Tab; the candidates must be the same in all three.
bash is driven through its completion function (``COMP_WORDS``), zsh in a
pseudo-terminal (``tests/support/zsh_capture.zsh``), fish with ``complete -C``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

COMPLETIONS = Path(__file__).resolve().parents[2] / "completions"
ZSH_CAPTURE = Path(__file__).resolve().parents[1] / "support" / "zsh_capture.zsh"
SHELL_NAMES = ("bash", "zsh", "fish")

Complete = Callable[[str], list[str]]


def _bash(line: str, env: dict[str, str]) -> list[str]:
    words = line.split(" ")  # a trailing space makes an empty current word
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"source '{COMPLETIONS / 'lq.bash'}'; COMP_WORDS=({quoted}); "
        f'COMP_CWORD={len(words) - 1}; _lq; printf "%s\\n" "${{COMPREPLY[@]}}"'
    )
    result = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    return [row for row in result.stdout.splitlines() if row]


def _zsh(line: str, env: dict[str, str]) -> list[str]:
    result = subprocess.run(
        ["zsh", "-f", str(ZSH_CAPTURE), str(COMPLETIONS), line],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    return [row.strip("\r") for row in result.stdout.splitlines() if row.strip("\r")]


def _fish(line: str, env: dict[str, str]) -> list[str]:
    script = COMPLETIONS / "lq.fish"
    result = subprocess.run(
        ["fish", "--no-config", "-c", f"source '{script}'; complete -C '{line}'"],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    return [row.split("\t")[0] for row in result.stdout.splitlines() if row]


_RUNNERS = {"bash": _bash, "zsh": _zsh, "fish": _fish}


@pytest.fixture
def shell_env(isolated_config: Path) -> dict[str, str]:
    bin_dir = Path(sys.executable).parent  # where `lq` is installed
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.fixture(params=SHELL_NAMES)
def complete(request: pytest.FixtureRequest, shell_env: dict[str, str]) -> Complete:
    shell = request.param
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} is not installed (apt-get install {shell})")
    runner = _RUNNERS[shell]

    def run(line: str, env: dict[str, str] | None = None) -> list[str]:
        return sorted(set(runner(line, env or shell_env)))

    return run


def test_a_nested_subcommand_completes_its_argument(complete: Complete) -> None:
    assert complete("lq completions show ") == ["bash", "fish", "zsh"]


def test_a_nested_subcommand_completes_its_options(complete: Complete) -> None:
    offered = complete("lq config show --")
    assert {"--profile", "--server-url", "--app-id", "--session-token-file"} <= set(offered)


def test_a_short_option_completes_its_values(complete: Complete) -> None:
    assert complete("lq tail Game -o ") == ["json", "pretty", "raw"]
    assert complete("lq tail Game --output ") == ["json", "pretty", "raw"]


def test_top_level_commands(complete: Complete) -> None:
    assert complete("lq ta") == ["tail"]
    assert complete("lq config ") == ["path", "profiles", "show"]


def test_class_names_come_from_the_profile_on_the_line(
    complete: Any, shell_env: dict[str, str], isolated_config: Path, lq_server: Any
) -> None:
    lq_server.rest.ensure_class("CompletedClass")
    (isolated_config / "config.toml").write_text(
        "[profiles.srv]\n"
        f'server_url = "{lq_server.rest_url}"\n'
        f'app_id = "{lq_server.app_id}"\n'
        f'master_key = "{lq_server.master_key}"\n'
    )
    (isolated_config / "config.toml").chmod(0o600)
    assert "CompletedClass" in complete("lq tail --profile srv Compl")
    # The default profile has no server keys: nothing to ask, no candidates.
    assert complete("lq tail Compl") == []
