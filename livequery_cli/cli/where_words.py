"""``--where score gt 100``: an expression flag takes the words up to the next option.

The ``--where`` language has word operators (``gt``, ``le``, ``in``...) so
that a condition can be typed without shell quoting; but the shell then
hands ``lq`` three arguments, and Click gives an option exactly one. So
before Click parses the command line, the words after ``--where``/``-w``/
``--until`` are joined into one value, up to the next option, a ``--`` or
the end. An option is a token that starts with ``--`` or with ``-`` and a
letter: ``-5`` and ``-1.5e3`` are values (negative numbers), not options.

A value that is already one quoted expression (it holds a space, like
``'score > 100'``) is taken alone, as before, so a positional argument may
follow it: ``lq explain --where 'score > 1' Game``. Unquoted words run to the
next option, so the class comes first: ``lq tail Game --where score gt 100``.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["EXPRESSION_OPTIONS", "join_expression_words"]

EXPRESSION_OPTIONS = ("--where", "-w", "--until")
"""The flags whose value is an expression in the ``--where`` language."""

_COMMANDS = frozenset({"tail", "explain", "find", "watch"})
"""The commands that have such flags (every other command line is left alone)."""


def is_option(token: str) -> bool:
    """True for ``--name``, ``--name=value`` and ``-x...``; False for ``-5``, ``-.5``, ``-``."""
    if token.startswith("--"):
        return len(token) > 2
    return len(token) > 1 and token[0] == "-" and token[1].isalpha()


def join_expression_words(argv: Sequence[str]) -> list[str]:
    """``argv`` with each expression flag's words joined into one value."""
    tokens = list(argv)
    command = next((t for t in tokens if not t.startswith("-")), None)
    if command not in _COMMANDS:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "--":
            out.append(token)
            out.extend(tokens[i:])
            break
        inline = next(
            (n for n in EXPRESSION_OPTIONS if n.startswith("--") and token.startswith(n + "=")),
            None,
        )
        if token not in EXPRESSION_OPTIONS and inline is None:
            out.append(token)
            continue
        if inline is None:
            out.append(token)
            if i >= len(tokens):
                break
            first = tokens[i]
            i += 1
        else:
            first = token[len(inline) + 1 :]
        words = [first]
        if not any(ch.isspace() for ch in first):
            while i < len(tokens) and tokens[i] != "--" and not is_option(tokens[i]):
                words.append(tokens[i])
                i += 1
        value = " ".join(words)
        out.append(value if inline is None else f"{inline}={value}")
    return out
