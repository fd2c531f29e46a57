"""What starting ``lq`` imports: the guard behind its start-up time.

Not a timing test (timings belong to bench/): it fails when a change makes a
fast path import a heavy module, which is what makes start-up slow.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("rich", "pydantic", "aiohttp", "websockets", "asyncio")

PROBE = """
import sys
from livequery_cli.cli.app import run
from livequery_cli.cli.environment import Environment
env = Environment(env={"LQ_CONFIG_DIR": sys.argv[1]})
status = run(sys.argv[2:], env)
print(status, " ".join(sorted(name for name in sys.modules if name.split(".")[0] in {HEAVY})))
"""


def loaded_after(config_dir: str, *args: str) -> tuple[int, set[str]]:
    code = PROBE.replace("{HEAVY}", repr(set(HEAVY)))
    out = subprocess.run(
        [sys.executable, "-c", code, config_dir, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    return int(out[0]), {name.split(".")[0] for name in out[1:]}


def test_version_imports_neither_typer_nor_anything_heavy(tmp_path: object) -> None:
    code = (
        "import sys; from livequery_cli.cli.app import run; "
        "from livequery_cli.cli.environment import Environment; run(['--version'], Environment()); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'click', 'typing')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("tail", "--help"),
        ("config", "show"),
        ("explain", "--where", "score gt 100"),
        ("tail", "Game", "--where", "score >"),
    ],
)
def test_commands_that_do_not_connect_stay_light(tmp_path: object, args: tuple[str, ...]) -> None:
    status, heavy = loaded_after(str(tmp_path), *args)
    assert status in (0, 2)
    assert heavy == set()
