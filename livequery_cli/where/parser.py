"""Recursive-descent parser: tokens -> syntax tree, with errors that point at the problem.

Grammar (the user-facing version is in docs/where.md)::

    expr       := or_expr END
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" or_expr ")" | condition
    condition  := path ( cmp_op value
                       | ("~" | "~*") (REGEX | STRING | WORD)
                       | ["not"] "in" list
                       | "exists" | "missing" )
    cmp_op     := = | == | != | > | >= | < | <= | eq | ne | gt | ge | lt | le
    value      := STRING | WORD | list
    list       := "[" [value ("," value)* [","]] "]"

Keywords are case-insensitive. ``and``, ``or`` and ``not`` cannot name a field
unless quoted with backticks.
"""

from __future__ import annotations

import re

from livequery_cli.exceptions import WhereSyntaxError
from livequery_cli.where.lexer import syntax_error, tokenize, unknown_operator_message
from livequery_cli.where.literals import LiteralError, word_value
from livequery_cli.where.nodes import (
    And,
    Comparison,
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
from livequery_cli.where.tokens import (
    OBJECT_ID_ALIAS,
    OPERATOR_HINTS,
    RESERVED,
    WORD_OPS,
    CompareOp,
    Token,
    TokenKind,
)

_ORDERING: frozenset[CompareOp] = frozenset({"gt", "ge", "lt", "le"})
# A bare word that is an objectId: letters and digits, at least one letter (all digits
# stay a number, so the canonical text of any tree still parses back to it).
_OBJECT_ID = re.compile(r"[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*")

# Nesting of parentheses, `not` and lists: deep enough for any real query,
# shallow enough that recursion never reaches Python's limit.
MAX_DEPTH = 64


def describe(token: Token) -> str:
    return "the end of the expression" if token.kind == "end" else f"`{token.text}`"


def keyword_hint(token: Token) -> str:
    """``"; did you mean `and`?"`` for a mistyped ``and``/``or`` (``adn``, ``ro``), else ``""``."""
    if token.kind != "word":
        return ""
    word = token.text.lower()
    for keyword in ("and", "or"):
        if sorted(word) == sorted(keyword) or (
            len(word) == len(keyword) + 1 and all(c in word for c in keyword)
        ):
            return f"; did you mean `{keyword}`?"
    return ""


def normalize_pattern(pattern: str) -> str:
    """Drop the backslash of ``\\/`` (``/`` needs no escape in a JavaScript regex source).

    One spelling per pattern is what lets the printer write any pattern back
    as a ``/regex/`` literal. A trailing lone backslash is refused: no regex
    engine accepts it.
    """
    if "\\" not in pattern:
        return pattern
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            if i + 1 == len(pattern):
                raise ValueError("a regex cannot end with a lone backslash")
            nxt = pattern[i + 1]
            out.append("/" if nxt == "/" else ch + nxt)
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0
        # True while reading the value(s) of a condition on ``objectId`` (or ``id``).
        self.object_ids = False

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def kind(self) -> TokenKind:
        """The current token's kind (a method, so that checks of it are never narrowed stale)."""
        return self.tokens[self.index].kind

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def fail(self, message: str, start: int, end: int) -> WhereSyntaxError:
        return syntax_error(message, self.source, start, end)

    def fail_at(self, message: str, token: Token) -> WhereSyntaxError:
        return self.fail(message, token.start, token.end)

    def nest(self, token: Token) -> None:
        """Enter one level of nesting at ``token``; the caller leaves it with ``depth -= 1``."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail_at(
                f"expression nested too deeply (more than {MAX_DEPTH} levels)", token
            )

    def is_keyword(self, word: str) -> bool:
        return self.kind() == "word" and self.token.text.lower() == word

    # expr := or_expr END
    def parse(self) -> Node:
        if self.kind() == "end":
            raise self.fail("empty expression", 0, 1)
        if (
            len(self.tokens) == 2
            and self.token.segments is not None
            and self.token.text.lower() not in RESERVED
        ):
            raise self.fail_at(shell_trap_message(self.token.text), self.token)
        node = self.or_expr()
        if self.kind() != "end":
            if self.kind() == ")":
                raise self.fail_at("unmatched `)`", self.token)
            raise self.fail_at(
                f"expected `and`, `or` or the end of the expression, found {describe(self.token)}"
                + keyword_hint(self.token),
                self.token,
            )
        return node

    def or_expr(self) -> Node:
        operands = [self.and_expr()]
        while self.is_keyword("or"):
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Node:
        operands = [self.not_expr()]
        while self.is_keyword("and"):
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expr(self) -> Node:
        if self.is_keyword("not"):
            self.nest(self.advance())
            operand = self.not_expr()
            self.depth -= 1
            return Not(operand)
        if self.kind() == "(":
            opening = self.advance()
            self.nest(opening)
            node = self.or_expr()
            self.depth -= 1
            if self.kind() == "end":
                raise self.fail_at("unclosed `(`", opening)
            if self.kind() != ")":
                raise self.fail_at(
                    f"expected `and`, `or` or `)`, found {describe(self.token)}"
                    + keyword_hint(self.token),
                    self.token,
                )
            self.advance()
            return node
        return self.condition()

    def path(self) -> Path:
        token = self.token
        previous = self.tokens[self.index - 1] if self.index else None
        if token.kind == "end":
            after = f" after `{previous.text}`" if previous is not None else ""
            raise self.fail(f"expected a condition{after}", len(self.source), len(self.source) + 1)
        if token.kind != "word":
            raise self.fail_at(f"expected a condition, found {describe(token)}", token)
        if token.text.lower() in RESERVED:
            raise self.fail_at(
                f"expected a condition, found `{token.text}` (write `` `{token.text}` `` "
                "for a field of that name)",
                token,
            )
        if token.segments is None:
            if token.text.startswith("$"):
                raise self.fail_at(f"a field name cannot start with `$`: `{token.text}`", token)
            raise self.fail_at(
                f"`{token.text}` is not a field name (letters, digits and `_`, parts joined "
                "by `.`; quote other names with backticks)",
                token,
            )
        self.advance()
        if token.text == OBJECT_ID_ALIAS:
            return ("objectId",)
        return token.segments

    def condition(self) -> Node:
        path_token = self.token
        path = self.path()
        self.object_ids = path == ("objectId",)
        try:
            return self.condition_on(path_token, path)
        finally:
            self.object_ids = False

    def condition_on(self, path_token: Token, path: Path) -> Node:
        token = self.token
        if token.kind == "op":
            self.advance()
            if token.value in ("regex", "iregex"):
                return self.regex(path, token)
            op: CompareOp = token.value  # type: ignore[assignment]
            return Comparison(path, op, self.comparison_value(op, token))
        if token.kind == "word":
            word = token.text.lower()
            if word in WORD_OPS:
                self.advance()
                op = WORD_OPS[word]
                return Comparison(path, op, self.comparison_value(op, token))
            if word == "exists" or word == "missing":
                self.advance()
                return Existence(path, word == "exists")
            if word == "in":
                self.advance()
                return Membership(path, self.list_value(token))
            if word == "not":
                self.advance()
                if not self.is_keyword("in"):
                    raise self.fail_at(
                        f"expected `in` after `{path_token.text} not` "
                        f"(to negate a condition, write `not {path_token.text} ...`)",
                        self.token if self.kind() != "end" else token,
                    )
                in_token = self.advance()
                return Membership(path, self.list_value(in_token), negated=True)
            if word in OPERATOR_HINTS:
                raise self.fail_at(unknown_operator_message(token.text, path_token.text), token)
        if token.kind in ("end", ")") or token.text.lower() in ("and", "or"):
            raise self.fail_at(
                f"`{path_token.text}` has no comparison (expected an operator such as "
                "`=`, `>`, `in`, `exists` after it)",
                path_token,
            )
        raise self.fail_at(
            f"expected an operator after `{path_token.text}`, found {describe(token)}", token
        )

    def regex(self, path: Path, op: Token) -> Regex:
        token = self.token
        bare = token.kind == "word" and token.text.lower() not in RESERVED
        if token.kind not in ("string", "regex") and not bare:
            raise self.value_error(
                f"expected a pattern after `{op.text}` (a /regex/, a quoted string or a word)",
                token,
            )
        if bare and token.text.startswith("`"):
            raise self.fail_at("backticks quote field names; use /.../ for a regex", token)
        self.advance()
        try:
            pattern = normalize_pattern(token.text if bare else token.value)
        except ValueError as exc:
            raise self.fail_at(str(exc), token) from None
        flags = set(token.flags) | ({"i"} if op.value == "iregex" else set())
        return Regex(path, pattern, "".join(f for f in "ims" if f in flags))

    def comparison_value(self, op: CompareOp, op_token: Token) -> Value:
        token = self.token
        value = self.value(op_token)
        kind = _unordered_kind(value) if op in _ORDERING else None
        if kind is not None:
            raise self.fail(
                f"`{op_token.text}` compares numbers, strings and dates, not {kind}",
                token.start,
                self.tokens[self.index - 1].end,
            )
        return value

    def value_error(self, message: str, token: Token) -> WhereSyntaxError:
        """``message`` at ``token``, or just past the end when the expression stopped short."""
        if token.kind == "end":
            return self.fail(message, len(self.source), len(self.source) + 1)
        return self.fail_at(f"{message}, found {describe(token)}", token)

    def value(self, after: Token) -> Value:
        token = self.token
        if token.kind == "string":
            self.advance()
            return token.value
        if token.kind == "[":
            self.nest(token)
            items = self.list_value(None)
            self.depth -= 1
            return items
        if token.kind == "regex":
            raise self.fail_at("a /regex/ is only allowed after `~` or `~*`", token)
        if token.kind != "word" or token.text.lower() in RESERVED:
            raise self.value_error(f"expected a value after `{after.text}`", token)
        if token.text.startswith("`"):
            raise self.fail_at("backticks quote field names; use quotes for a string value", token)
        if self.object_ids and _OBJECT_ID.fullmatch(token.text):
            # An objectId is a string, also one that starts with a digit (`id = 5L9BHrA76n`).
            self.advance()
            return token.text
        try:
            value = word_value(token.text)
        except LiteralError as exc:
            raise self.fail_at(str(exc), token) from None
        self.advance()
        return value

    def list_value(self, after: Token | None) -> tuple[Value, ...]:
        opening = self.token
        if opening.kind != "[":
            assert after is not None
            raise self.value_error(f"expected a list `[...]` after `{after.text}`", opening)
        self.advance()
        items: list[Value] = []
        while self.kind() != "]":
            if self.kind() == "end":
                raise self.fail_at("unclosed `[`", opening)
            items.append(self.value(self.tokens[self.index - 1]))
            if self.kind() == ",":
                self.advance()
            elif self.kind() == "end":
                raise self.fail_at("unclosed `[`", opening)
            elif self.kind() != "]":
                raise self.fail_at(
                    f"expected `,` or `]` in the list, found {describe(self.token)}", self.token
                )
        self.advance()
        return tuple(items)


def _unordered_kind(value: Value) -> str | None:
    """What makes ``value`` meaningless after ``>``/``<``, or None when it has an order."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, tuple):
        return "a list"
    if isinstance(value, PointerValue):
        return "a pointer"
    return None


def shell_trap_message(path: str) -> str:
    """The message for an expression that is nothing but a field name.

    That is exactly what ``--where score>100`` looks like once the shell has
    taken ``>100`` as a redirection (and created a file named ``100``).
    """
    return (
        f"`{path}` has no comparison. If you typed --where {path}>100 without quotes, "
        f"the shell took `>100` as a redirection and created a file named 100: "
        f"quote the expression (--where '{path} > 100') or use a word operator ({path} gt 100)"
    )


def parse(source: str) -> Node:
    """The syntax tree of ``source``; raises ``WhereSyntaxError`` for anything malformed."""
    return _Parser(source).parse()
