"""Which ``--where`` belongs to which ``--also``: ``lq tail A --where x --also B --where y``.

Click gives a repeatable option's values in order, but not how two options
interleave, and that order is the meaning here: a ``--where`` after
``--also B`` (and before the next ``--also``) filters B. The command line is
therefore scanned again for the two flags. The scan is trusted only when it
finds exactly the values Click parsed; otherwise ``None`` is returned and the
caller must refuse anything ambiguous rather than guess.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["AlsoGroup", "group_wheres"]

AlsoGroup = tuple[str, list[str]]
"""``(--also value, the --where values after it)``."""

_WHERE = ("--where", "-w")
_ALSO = ("--also",)


def _flag_value(tokens: Sequence[str], i: int, names: tuple[str, ...]) -> tuple[str, int] | None:
    """The value of flag ``names`` at ``tokens[i]`` and the next index, or None."""
    token = tokens[i]
    for name in names:
        if token == name:
            if i + 1 < len(tokens):
                return tokens[i + 1], i + 2
            return None
        if name.startswith("--") and token.startswith(name + "="):
            return token[len(name) + 1 :], i + 1
        if not name.startswith("--") and token.startswith(name) and len(token) > len(name):
            return token[len(name) :], i + 1
    return None


def group_wheres(
    argv: Sequence[str], wheres: Sequence[str], also: Sequence[str]
) -> tuple[list[str], list[AlsoGroup]] | None:
    """Split ``wheres`` between the main query and each ``--also``, by position in ``argv``.

    ``argv`` is the ``tail`` command's arguments (anything before is
    ignored up to the word ``tail``). Returns None when the scan does not
    reproduce ``wheres`` and ``also`` exactly.
    """
    tokens = list(argv)
    if "tail" in tokens:
        tokens = tokens[tokens.index("tail") + 1 :]
    main: list[str] = []
    groups: list[AlsoGroup] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "--":
            break
        found = _flag_value(tokens, i, _ALSO)
        if found is not None:
            groups.append((found[0], []))
            i = found[1]
            continue
        found = _flag_value(tokens, i, _WHERE)
        if found is not None:
            (groups[-1][1] if groups else main).append(found[0])
            i = found[1]
            continue
        i += 1
    scanned_wheres = main + [w for _, ws in groups for w in ws]
    if [spec for spec, _ in groups] != list(also) or sorted(scanned_wheres) != sorted(wheres):
        return None
    return main, groups
