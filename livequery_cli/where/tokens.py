"""The vocabulary of the ``--where`` language: token kinds, operators and keywords.

Kept apart from the lexer so that the parser, the printer and the error
messages all spell operators and keywords from one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TokenKind = Literal[
    "word",  # a bare word: field path, number, keyword, date, pointer or plain string
    "string",  # a quoted string; ``value`` holds the decoded text
    "regex",  # a /regex/ literal; ``value`` is the pattern, ``flags`` its flags
    "op",  # a comparison operator; ``value`` is its canonical name ("eq", "gt", "regex", ...)
    "(",
    ")",
    "[",
    "]",
    ",",
    "end",
]

CompareOp = Literal["eq", "ne", "gt", "ge", "lt", "le"]


@dataclass(frozen=True, slots=True)
class Token:
    """One token with its span in the source (``start`` inclusive, ``end`` exclusive)."""

    kind: TokenKind
    text: str
    start: int
    end: int
    value: str = ""
    flags: str = ""
    # For a word that is a well-formed field path: its segments (backtick quotes removed).
    segments: tuple[str, ...] | None = None


# Symbolic operators -> canonical names. "regex" is ``~``, "iregex" is ``~*``.
SYMBOL_OPS: dict[str, str] = {
    "=": "eq",
    "==": "eq",
    "!=": "ne",
    ">": "gt",
    ">=": "ge",
    "<": "lt",
    "<=": "le",
    "~": "regex",
    "~*": "iregex",
}

# Word operators (matched case-insensitively) -> canonical names.
WORD_OPS: dict[str, CompareOp] = {
    "eq": "eq",
    "ne": "ne",
    "gt": "gt",
    "ge": "ge",
    "lt": "lt",
    "le": "le",
}

# How the printer writes each comparison.
OP_SYMBOLS: dict[CompareOp, str] = {
    "eq": "=",
    "ne": "!=",
    "gt": ">",
    "ge": ">=",
    "lt": "<",
    "le": "<=",
}

# Mistyped operators people reach for, with what they probably meant.
OPERATOR_HINTS: dict[str, str] = {
    "=>": ">=",
    "=<": "<=",
    "<>": "!=",
    "===": "==",
    "!==": "!=",
    "=~": "~",
    "~=": "~",
    "=~*": "~*",
    "&&": "and",
    "&": "and",
    "||": "or",
    "|": "or",
    "!": "not",
    "gte": "ge",
    "lte": "le",
    "neq": "ne",
    "equals": "eq",
    "like": "~",
    "matches": "~",
    "\u2265": ">=",  # ≥
    "\u2264": "<=",  # ≤
    "\u2260": "!=",  # ≠
    "contains": "~",
    "between": ">=",
}

OBJECT_ID_ALIAS = "id"
"""A bare ``id`` means ``objectId``, as the ``--json`` envelope names it.

A field that is really called ``id`` is written in backticks: `` `id` ``.
"""

# Words that can never name a field without backticks: they structure the expression.
RESERVED = frozenset({"and", "or", "not"})

# Words with a meaning in value position (matched case-insensitively).
LITERAL_WORDS: dict[str, bool | None] = {"true": True, "false": False, "null": None}

# Every keyword, for "found the keyword X" messages in value position.
KEYWORDS = frozenset(RESERVED | set(LITERAL_WORDS) | set(WORD_OPS) | {"in", "exists", "missing"})

REGEX_FLAGS = "ims"
