"""Making untrusted text safe to print on a terminal.

Field values, class names and error messages come from the server, and so
from whoever can write to it. An ESC byte in a string field could move the
cursor, retitle the window or hide lines; a newline could forge an event line.
Every piece of server data passes through ``escape_text`` before it reaches a
human-readable stream. JSON escapes only the C0 controls, so ``--json`` and
``-o raw`` lines written to a terminal go through ``escape_json_for_terminal``,
which spells DEL, the C1 controls, the bidi marks and the line/paragraph
separators as ``\\uXXXX`` escapes: the same JSON document, inert on screen.
A pipe gets the bytes as they are.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the bidirectional overrides/isolates that
# can make a line read differently from what it contains. Every one of them is
# in Unicode category Cc or Cf, which ``str.isprintable`` rejects: that is what
# makes the fast path in ``escape_text`` sound.
# U+061C (Arabic letter mark) is a bidi mark too; U+2028/U+2029 end a line in
# some terminals and editors. They are Cf, Zl and Zp: also rejected by ``isprintable``.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# The same characters as they appear in UTF-8 JSON (C0 controls are escaped by JSON
# itself): DEL, C1 (C2 80-9F), U+061C (D8 9C), U+200E/F and U+2028-202E (E2 80 ..),
# U+2066-2069 (E2 81 A6-A9).
_UNSAFE_IN_JSON = re.compile(
    rb"\x7f|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}


def _replacement(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_text(text: str) -> str:
    """``text`` with every control or bidi-override character spelled out (``\\e``, ``\\x07``).

    Clean text is returned unchanged, without a copy. ``str.isprintable`` is a
    single C loop, cheaper than a regex scan, and true only when no character
    is a control or format character; only text it rejects (which includes
    harmless non-printables such as a non-breaking space) goes to the regex.
    """
    if text.isprintable():
        return text
    return _UNSAFE.sub(_replacement, text)


def _json_escape(match: re.Match[bytes]) -> bytes:
    return b"\\u%04x" % ord(match.group().decode())


def escape_json_for_terminal(line: bytes) -> bytes:
    """A UTF-8 JSON line with the characters a terminal would act on written as ``\\uXXXX``.

    Only inside strings can such characters occur in JSON, and there the
    escape is equivalent: the line still decodes to the same document.
    """
    if line.isascii() and b"\x7f" not in line:
        return line
    return _UNSAFE_IN_JSON.sub(_json_escape, line)
