"""Underlining a bad regex in a ``--where`` with carets, like any other syntax error.

The ``--where`` language accepts any pattern after ``~``; whether it is a
valid regex is decided by the matcher (``matching.regex``, which translates
JavaScript syntax to Python's), which knows nothing of the source text. So a
bad pattern used to surface as "invalid $regex: ..." with no position. Here
each pattern of a ``--where`` text is compiled the way the matcher will
compile it, and a failure becomes a ``WhereSyntaxError`` spanning the
pattern's token.
"""

from __future__ import annotations

import itertools

from livequery_cli.exceptions import QueryError, WhereSyntaxError

__all__ = ["check_regexes"]


def check_regexes(text: str) -> None:
    """Raise ``WhereSyntaxError`` under the first pattern in ``text`` that does not compile."""
    if "~" not in text:
        return
    from livequery_cli.matching.regex import compile_regex
    from livequery_cli.where.lexer import tokenize
    from livequery_cli.where.parser import normalize_pattern

    tokens = tokenize(text)
    for op, pattern in itertools.pairwise(tokens):
        if op.kind != "op" or op.value not in ("regex", "iregex"):
            continue
        if pattern.kind not in ("regex", "string", "word"):
            continue
        source = pattern.text if pattern.kind == "word" else pattern.value
        flags = set(pattern.flags) | ({"i"} if op.value == "iregex" else set())
        try:
            compile_regex(normalize_pattern(source), "".join(sorted(flags)))
        except (QueryError, ValueError) as exc:
            raise WhereSyntaxError(
                str(exc), source=text, start=pattern.start, end=pattern.end
            ) from None
