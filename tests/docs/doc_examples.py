"""The ``lq`` examples of README.md and docs/*.md, and the output they show.

An example is a command line in a fenced code block (``$ lq ...`` in any
block, ``lq ...`` in a shell or plain one; a trailing ``# comment`` is
dropped), or an inline ``code span`` that is a whole command with a quoted
argument (``lq tail Game --where 'score > 100'``). The lines after a
``$ lq`` command, up to the next command, are its shown output:
``lq:`` lines and the indented lines of an ``lq: error`` are stderr, ``^C``
is an interrupt, anything else is stdout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC_FILES = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
_INLINE = re.compile(r"`(lq [^`]*'[^`]*)`")
_COMMAND = re.compile(r"^(\$ )?(lq(?: .*)?)$")
_COMMENT = re.compile(r"\s+#\s.*$")
INTERRUPT = "^C"
_SHELL_BLOCKS = frozenset({"sh", "bash", "shell", ""})


@dataclass
class Example:
    """One documented command line and what the docs show it printing."""

    where: str  # "docs/cli.md:7"
    command: str
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    interrupted: bool = False

    @property
    def shows_output(self) -> bool:
        return bool(self.stdout or self.stderr)


def _relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _block_examples(path: Path, text: str) -> list[Example]:
    examples: list[Example] = []
    for fence in _FENCE.finditer(text):
        lang, body = fence.group(1), fence.group(2)
        first_line = text[: fence.start(2)].count("\n") + 1
        current: Example | None = None
        prompted = False  # ``$ lq ...``: the lines after it are its output
        for offset, line in enumerate(body.splitlines()):
            match = _COMMAND.match(line)
            if match is not None and (match.group(1) or lang in _SHELL_BLOCKS):
                command = _COMMENT.sub("", match.group(2)).strip()
                current = Example(f"{_relative(path)}:{first_line + offset}", command)
                prompted = bool(match.group(1))
                examples.append(current)
                continue
            if current is None or not prompted:
                continue
            if line == INTERRUPT:
                current.interrupted = True
            elif line.startswith("lq:") or (line.startswith("  ") and current.stderr):
                current.stderr.append(line)
            elif line:
                current.stdout.append(line)
    return examples


def _inline_examples(path: Path, text: str) -> list[Example]:
    prose = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    found = []
    for match in _INLINE.finditer(prose):
        command = " ".join(match.group(1).split())  # a span may wrap across lines
        if "..." in command:
            continue
        line = prose[: match.start()].count("\n") + 1
        found.append(Example(f"{_relative(path)}:{line}", command))
    return found


def doc_examples() -> list[Example]:
    """Every example, in file order (the same command may appear more than once)."""
    examples: list[Example] = []
    for path in DOC_FILES:
        text = path.read_text("utf-8")
        examples += _block_examples(path, text)
        examples += _inline_examples(path, text)
    return examples
