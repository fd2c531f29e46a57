"""``--exec CMD``: from the command text and one event to the argv to run.

Without ``--shell`` the text is split like a command line (``shlex``) once,
at start-up, and each word is a ``--template`` of its own: ``{field}``
placeholders are filled per event and each word stays exactly one argument,
whatever the value holds (spaces, quotes, ``; rm -rf ~``). No shell ever
sees a value.

With ``--shell`` the text is run by ``/bin/sh -c``, but values still never
become shell code: each placeholder is replaced by a quoted positional
parameter (``"${1}"``, ``"${2}"``...) and the values are passed as the
script's arguments, which the shell expands without re-parsing.
"""

from __future__ import annotations

import shlex
import string
from collections.abc import Mapping
from typing import Any

import orjson

from livequery_cli.cli.exit_status import UsageError
from livequery_cli.cli.output.template import compile_template, lookup_path

__all__ = ["ExecCommand"]

SHELL = "/bin/sh"
SHELL_NAME = "lq-exec"
"""``$0`` of a ``--shell`` script (what the shell names in its own error messages)."""

_Piece = tuple[str, tuple[str, ...] | None]


def _value(value: Any) -> str:
    """A field as an argument: strings as they are, other values as compact JSON.

    A NUL cannot be part of an argument (C strings end there), so it is spelled out.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text.replace("\x00", "\\x00")


def _compile(text: str) -> list[_Piece]:
    try:
        return compile_template(text)
    except UsageError as exc:
        raise UsageError(str(exc).replace("--template:", "--exec:", 1)) from None


class ExecCommand:
    """``--exec CMD`` compiled: ``argv(record)`` is what runs for one event's envelope."""

    def __init__(self, text: str, *, shell: bool = False) -> None:
        if not text.strip():
            raise UsageError("--exec: empty command")
        self.text = text
        self.shell = shell
        if shell:
            self._script, self._paths = self._shell_script(text)
            self._words: list[list[_Piece]] = []
        else:
            try:
                words = shlex.split(text)
            except ValueError as exc:
                raise UsageError(f"--exec: {exc} in {text!r}") from None
            self._words = [_compile(word) for word in words]
            # Event data must not choose which program runs.
            if any(path is not None for _, path in self._words[0]):
                raise UsageError("--exec: the program name cannot hold a placeholder")

    @property
    def name(self) -> str:
        """The program, for messages (never the arguments: they may hold data)."""
        if self.shell:
            return SHELL
        return "".join(literal for literal, _ in self._words[0]) or self.text.split()[0]

    @staticmethod
    def _shell_script(text: str) -> tuple[str, list[tuple[str, ...]]]:
        try:
            parsed = list(string.Formatter().parse(text))
        except ValueError as exc:
            raise UsageError(f"--exec: {exc}") from None
        _compile(text)  # the same checks as --template (known fields, no format specs)
        script: list[str] = []
        paths: list[tuple[str, ...]] = []
        for literal, field_name, _spec, _conversion in parsed:
            script.append(literal)
            if field_name is not None:
                paths.append(tuple(field_name.split(".")))
                script.append(f'"${{{len(paths)}}}"')
        return "".join(script), paths

    def argv(self, record: Mapping[str, Any]) -> list[str]:
        """The arguments for one event (its ``--json`` envelope as a dict)."""
        if self.shell:
            values = [_value(lookup_path(record, path)) for path in self._paths]
            return [SHELL, "-c", self._script, SHELL_NAME, *values]
        return [
            "".join(
                literal if path is None else _value(lookup_path(record, path))
                for literal, path in word
            )
            for word in self._words
        ]
