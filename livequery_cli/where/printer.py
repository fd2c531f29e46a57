"""Syntax tree -> canonical ``--where`` text.

One spelling per tree: symbolic operators, lowercase keywords, strings in
double quotes, dates in full UTC with milliseconds, parentheses only where
the tree needs them. ``parse(unparse(tree)) == tree`` for every tree the
parser can produce, which is what makes the printed form safe to show back
to users (and what the property tests check).
"""

from __future__ import annotations

import re

from livequery_cli.parse.values import iso_millis
from livequery_cli.where.nodes import (
    And,
    Comparison,
    DateValue,
    Existence,
    Membership,
    Node,
    Not,
    Or,
    Path,
    PointerValue,
    Regex,
    Value,
)
from livequery_cli.where.tokens import OBJECT_ID_ALIAS, OP_SYMBOLS, RESERVED

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def quote_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def path_text(path: Path) -> str:
    if path == (OBJECT_ID_ALIAS,):
        return f"`{OBJECT_ID_ALIAS}`"  # bare, it would mean objectId
    return ".".join(
        seg if _IDENT.fullmatch(seg) and seg.lower() not in RESERVED else f"`{seg}`" for seg in path
    )


def value_text(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, DateValue):
        return "@" + iso_millis(value.instant)
    if isinstance(value, PointerValue):
        return f"{value.class_name}:{value.object_id}"
    return "[" + ", ".join(value_text(v) for v in value) + "]"


def regex_literal(pattern: str, flags: str) -> str:
    """``/pattern/flags``, escaping each unescaped ``/`` (the pattern is normalized: no ``\\/``)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        out.append("\\/" if ch == "/" else ch)
        i += 1
    return "/" + "".join(out) + "/" + flags


def unparse(node: Node) -> str:
    """The canonical text of ``node``."""
    if isinstance(node, Comparison):
        return f"{path_text(node.path)} {OP_SYMBOLS[node.op]} {value_text(node.value)}"
    if isinstance(node, Regex):
        path = path_text(node.path)
        if node.flags == "":
            return f"{path} ~ {quote_string(node.pattern)}"
        if node.flags == "i":
            return f"{path} ~* {quote_string(node.pattern)}"
        return f"{path} ~ {regex_literal(node.pattern, node.flags)}"
    if isinstance(node, Membership):
        keyword = "not in" if node.negated else "in"
        return f"{path_text(node.path)} {keyword} {value_text(node.values)}"
    if isinstance(node, Existence):
        return f"{path_text(node.path)} {'exists' if node.exists else 'missing'}"
    if isinstance(node, Not):
        inner = unparse(node.operand)
        return f"not ({inner})" if isinstance(node.operand, And | Or) else f"not {inner}"
    if isinstance(node, And):
        return " and ".join(
            f"({unparse(n)})" if isinstance(n, And | Or) else unparse(n) for n in node.operands
        )
    if isinstance(node, Or):
        return " or ".join(
            f"({unparse(n)})" if isinstance(n, Or) else unparse(n) for n in node.operands
        )
    raise TypeError(f"not a where syntax node: {node!r}")
