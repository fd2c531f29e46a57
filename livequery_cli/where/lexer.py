"""Split a ``--where`` expression into tokens, each with its span in the source.

The lexer knows nothing about grammar: a bare word stays a word (the parser
decides whether it is a path, a number, a keyword or a string from where it
stands). What it does settle is everything about characters: quotes and their
escapes, ``/regex/`` literals, operator spelling, and which words are
well-formed field paths. Every failure is a ``WhereSyntaxError`` pointing at
the offending characters.
"""

from __future__ import annotations

import re

from livequery_cli.exceptions import WhereSyntaxError
from livequery_cli.where.tokens import OPERATOR_HINTS, REGEX_FLAGS, SYMBOL_OPS, Token

# Characters that end a bare word (besides whitespace).
_PUNCT = frozenset("()[],'\"`=!<>~&|{}")
_OP_CHARS = frozenset("=!<>~&|")
_SINGLE = {"(": "(", ")": ")", "[": "[", "]": "]", ",": ","}

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_SEGMENT = rf"(?:{_IDENT}|`[^`]*`)"
_PATH_RE = re.compile(rf"{_SEGMENT}(?:\.{_SEGMENT})*")
_SEGMENT_RE = re.compile(rf"{_IDENT}|`([^`]*)`")

_ESCAPES = {
    '"': '"',
    "'": "'",
    "\\": "\\",
    "/": "/",
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "0": "\0",
}
_HEX = frozenset("0123456789abcdefABCDEF")


def one_line(message: str) -> str:
    """``message`` with control characters from quoted source escaped: errors stay one line."""
    if message.isprintable():
        return message
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode("ascii")
        for ch in message
    )


def syntax_error(message: str, source: str, start: int, end: int) -> WhereSyntaxError:
    return WhereSyntaxError(one_line(message), source=source, start=start, end=end)


def _is_word_char(ch: str) -> bool:
    return not ch.isspace() and ch not in _PUNCT


class _Lexer:
    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.tokens: list[Token] = []

    def fail(self, message: str, start: int, end: int) -> WhereSyntaxError:
        return syntax_error(message, self.source, start, end)

    def run(self) -> list[Token]:
        src = self.source
        n = len(src)
        for i, ch in enumerate(src):
            if 0xD800 <= ord(ch) <= 0xDFFF:
                raise self.fail("the expression contains invalid text (a lone surrogate)", i, i + 1)
        while self.pos < n:
            ch = src[self.pos]
            if ch.isspace():
                self.pos += 1
            elif ch in _SINGLE:
                self.tokens.append(Token(_SINGLE[ch], ch, self.pos, self.pos + 1))  # type: ignore[arg-type]
                self.pos += 1
            elif ch in "\"'":
                self.string(ch)
            elif ch in _OP_CHARS:
                self.operator()
            elif ch == "/":
                self.regex()
            elif ch in "{}":
                raise self.fail(
                    f"unexpected `{ch}`: object values are not supported "
                    "(use a dotted path: a.b = 1)",
                    self.pos,
                    self.pos + 1,
                )
            elif ch == "`" or ch == "_" or (ch.isascii() and ch.isalpha()):
                self.path_or_word()
            else:
                self.word()
        self.tokens.append(Token("end", "", n, n))
        return self.tokens

    def word(self) -> None:
        start = self.pos
        end = start
        src = self.source
        while end < len(src) and _is_word_char(src[end]):
            end += 1
        self.tokens.append(Token("word", src[start:end], start, end))
        self.pos = end

    def path_or_word(self) -> None:
        src = self.source
        start = self.pos
        if src[start] == "`" and src.find("`", start + 1) < 0:
            raise self.fail("unterminated `` ` `` (backticks quote a field name)", start, len(src))
        match = _PATH_RE.match(src, start)
        end = match.end() if match else start
        if match and (end == len(src) or not _is_word_char(src[end])):
            text = src[start:end]
            self.tokens.append(Token("word", text, start, end, segments=self.segments(text, start)))
            self.pos = end
        elif "`" in src[start:end] or src[start] == "`":
            raise self.fail(
                "a field name in backticks must be followed by `.` and another name, or end",
                start,
                max(end + 1, start + 1),
            )
        else:
            self.word()

    def segments(self, text: str, offset: int) -> tuple[str, ...]:
        parts: list[str] = []
        for m in _SEGMENT_RE.finditer(text):
            if m.group(1) is None:
                parts.append(m.group(0))
                continue
            name = m.group(1)
            start, end = offset + m.start(), offset + m.end()
            if not name:
                raise self.fail("empty field name in backticks", start, end)
            if "." in name:
                raise self.fail(
                    "a field name cannot contain `.` (dots separate path parts)", start, end
                )
            if name.startswith("$"):
                raise self.fail("a field name cannot start with `$`", start, end)
            parts.append(name)
        return tuple(parts)

    def operator(self) -> None:
        src = self.source
        start = self.pos
        end = start
        while end < len(src) and src[end] in _OP_CHARS:
            end += 1
        if end < len(src) and src[end] == "*" and src[end - 1] == "~":
            end += 1
        text = src[start:end]
        if text in SYMBOL_OPS:
            self.tokens.append(Token("op", text, start, end, value=SYMBOL_OPS[text]))
            self.pos = end
            return
        raise self.fail(unknown_operator_message(text), start, end)

    def string(self, quote: str) -> None:
        src = self.source
        start = self.pos
        i = start + 1
        out: list[str] = []
        while True:
            if i >= len(src):
                raise self.fail("unterminated string", start, len(src))
            ch = src[i]
            if ch == quote:
                break
            if ch != "\\":
                out.append(ch)
                i += 1
                continue
            if i + 1 >= len(src):
                raise self.fail("unterminated string", start, len(src))
            esc = src[i + 1]
            if esc in _ESCAPES:
                out.append(_ESCAPES[esc])
                i += 2
            elif esc == "u":
                code, i = self.unicode_escape(i)
                out.append(code)
            else:
                raise self.fail(
                    f"unknown escape `\\{esc}` in a string (write `\\\\{esc}` for a backslash, "
                    "or use /.../ for a regex)",
                    i,
                    i + 2,
                )
        self.tokens.append(Token("string", src[start : i + 1], start, i + 1, value="".join(out)))
        self.pos = i + 1

    def unicode_escape(self, i: int) -> tuple[str, int]:
        """Decode ``\\uXXXX`` at ``i`` (a surrogate pair takes two escapes)."""
        src = self.source
        digits = src[i + 2 : i + 6]
        if len(digits) < 4 or not set(digits) <= _HEX:
            raise self.fail("`\\u` must be followed by four hex digits", i, min(i + 6, len(src)))
        code = int(digits, 16)
        if 0xDC00 <= code <= 0xDFFF:
            raise self.fail("invalid `\\u` escape: a lone low surrogate", i, i + 6)
        if 0xD800 <= code <= 0xDBFF:
            low = src[i + 6 : i + 12]
            if (
                len(low) == 6
                and low.startswith("\\u")
                and set(low[2:]) <= _HEX
                and 0xDC00 <= int(low[2:], 16) <= 0xDFFF
            ):
                pair = 0x10000 + ((code - 0xD800) << 10) + (int(low[2:], 16) - 0xDC00)
                return chr(pair), i + 12
            raise self.fail("invalid `\\u` escape: a high surrogate without its low half", i, i + 6)
        return chr(code), i + 6

    def regex(self) -> None:
        src = self.source
        start = self.pos
        i = start + 1
        out: list[str] = []
        while True:
            if i >= len(src):
                raise self.fail("unterminated regex (a /regex/ ends with `/`)", start, len(src))
            ch = src[i]
            if ch == "/":
                break
            if ch == "\\" and i + 1 < len(src):
                nxt = src[i + 1]
                out.append("/" if nxt == "/" else ch + nxt)
                i += 2
                continue
            out.append(ch)
            i += 1
        i += 1
        flags_start = i
        while i < len(src) and src[i].isascii() and src[i].isalpha():
            if src[i] not in REGEX_FLAGS:
                raise self.fail(f"unknown regex flag `{src[i]}` (use i, m or s)", i, i + 1)
            i += 1
        flags = "".join(f for f in REGEX_FLAGS if f in src[flags_start:i])
        self.tokens.append(Token("regex", src[start:i], start, i, value="".join(out), flags=flags))
        self.pos = i


def unknown_operator_message(text: str, field: str = "FIELD") -> str:
    if text == "!~":
        return (
            "unknown operator `!~`; to negate a regex, put `not` before the condition "
            "(not name ~ ...)"
        )
    word = text.lower()
    if word == "contains":
        return (
            f"unknown operator `contains`; for text write a regex, `{field} ~ WORD`; "
            f"for an array field `=` matches an element, `{field} = VALUE`"
        )
    if word == "between":
        return f"unknown operator `between`; write `{field} >= LOW and {field} <= HIGH`"
    hint = OPERATOR_HINTS.get(text.lower())
    if hint is None:
        return f"unknown operator `{text}`"
    return f"unknown operator `{text}`; did you mean `{hint}`?"


def tokenize(source: str) -> list[Token]:
    """Tokens of ``source``, ending with an ``end`` token at ``len(source)``."""
    return _Lexer(source).run()
