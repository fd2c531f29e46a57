"""The ``--where`` mini-language: ``score > 100 and name ~* "^al"`` -> Parse ``where`` JSON.

::

    >>> compile_where("score gt 100 and level.boss = true")
    {'score': {'$gt': 100}, 'level.boss': True}

``parse`` gives the syntax tree, ``unparse`` its canonical text, ``compile``
the ``where`` JSON. Every malformed input raises ``WhereSyntaxError`` with the
span to underline. Only syntax is checked here: whether LiveQuery can evaluate
a ``where`` is ``livequery_cli.matching.validate_where``'s business.
"""

from __future__ import annotations

from typing import Any

from livequery_cli.exceptions import WhereSyntaxError
from livequery_cli.where import codegen
from livequery_cli.where.codegen import compile_tree
from livequery_cli.where.nodes import Node
from livequery_cli.where.parser import parse
from livequery_cli.where.printer import unparse

__all__ = [
    "WhereSyntaxError",
    "all_of",
    "compile",
    "compile_where",
    "compile_wheres",
    "parse",
    "unparse",
]


def all_of(wheres: list[dict[str, Any]]) -> dict[str, Any]:
    """AND ``where`` objects (compiled or given as JSON) into one, merging what can merge."""
    return codegen.all_of([w for w in wheres if w])


def compile(node: Node) -> dict[str, Any]:
    """The Parse ``where`` JSON for a syntax tree from ``parse``."""
    return compile_tree(node)


def compile_where(text: str) -> dict[str, Any]:
    """Parse and compile one expression."""
    return compile_tree(parse(text))


def compile_wheres(texts: list[str]) -> dict[str, Any]:
    """AND several expressions (repeated ``--where`` options) into one ``where``.

    No expressions give ``{}`` (every object matches). Clauses on different
    fields simply sit side by side; ``$and`` appears only where two of them
    constrain the same field in ways one object cannot express.
    """
    trees = [parse(text) for text in texts]
    if not trees:
        return {}
    if len(trees) == 1:
        return compile_tree(trees[0])
    return codegen.all_of([compile_tree(tree) for tree in trees])
