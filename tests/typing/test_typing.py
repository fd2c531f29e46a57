"""Types reach users: the package is typed (``py.typed``) and the documented examples
pass ``mypy --strict`` and ``pyright --strict``, while misuses of ``on(...)`` fail.

The examples are the README's and docs/library.md's ```python blocks that start
with an import (complete programs; the other blocks are signature sketches).
A block with top-level ``await`` (notebook style) is checked inside an
``async def``. ``misuses.py`` marks each line that must fail with ``# error``.
"""

from __future__ import annotations

import importlib.resources
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", ROOT / "docs" / "library.md"]
MISUSES = Path(__file__).with_name("misuses.py")
BIN = Path(sys.executable).parent
TIMEOUT_S = 300


def example_blocks() -> list[tuple[str, str]]:
    blocks = []
    for doc in DOCS:
        for i, match in enumerate(re.finditer(r"```python\n(.*?)```", doc.read_text(), re.S)):
            code = match.group(1)
            if not code.startswith(("import ", "from ")):
                continue
            if re.search(r"^(await |async for |async with )", code, re.M) or re.search(
                r"^\w+ = await ", code, re.M
            ):
                imports = [
                    line for line in code.splitlines() if line.startswith(("import", "from"))
                ]
                body = [
                    line for line in code.splitlines() if not line.startswith(("import", "from"))
                ]
                code = "\n".join(imports) + "\n\n\nasync def example() -> None:\n"
                code += textwrap.indent("\n".join(body), "    ") + "\n"
            blocks.append((f"{doc.stem}_{i}", code))
    return blocks


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("examples")
    blocks = example_blocks()
    assert len(blocks) >= 3, "the docs' runnable examples were not found"
    for name, code in blocks:
        (folder / f"{name.replace('.', '_').lower()}.py").write_text(code)
    shutil.copy(MISUSES, folder / "misuses.py")
    return folder


def expected_error_lines() -> set[int]:
    lines = MISUSES.read_text().splitlines()
    return {n for n, line in enumerate(lines, 1) if "  # error:" in line}


def run(args: list[str], cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S)
    return done.stdout + done.stderr


def error_lines(output: str, file_name: str) -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for match in re.finditer(r"([\w.]+\.py):(\d+):(?:\d+)?:? ?-? ?error", output):
        found.setdefault(match.group(1), set()).add(int(match.group(2)))
    return found


def test_the_package_ships_a_py_typed_marker() -> None:
    assert importlib.resources.files("livequery_cli").joinpath("py.typed").is_file()


def test_mypy_strict_accepts_the_examples_and_rejects_the_misuses(examples: Path) -> None:
    output = run(
        [str(BIN / "mypy"), "--strict", "--no-incremental", "--show-column-numbers", "."],
        examples,
    )
    found = error_lines(output, "misuses.py")
    assert found.pop("misuses.py", set()) == expected_error_lines(), output
    assert found == {}, output


def test_pyright_strict_accepts_the_examples_and_rejects_the_misuses(examples: Path) -> None:
    pyright = BIN / "pyright"
    if not pyright.exists():
        pytest.skip("pyright is not installed")
    (examples / "pyrightconfig.json").write_text(
        f'{{"typeCheckingMode": "strict", "pythonVersion": "3.11", '
        f'"venvPath": "{ROOT}", "venv": ".venv"}}'
    )
    output = run([str(pyright), "."], examples)
    found: dict[str, set[int]] = {}
    for match in re.finditer(r"[/\\]([\w.]+\.py):(\d+):\d+ - error", output):
        found.setdefault(match.group(1), set()).add(int(match.group(2)))
    assert found.pop("misuses.py", set()) == expected_error_lines(), output
    assert found == {}, output
