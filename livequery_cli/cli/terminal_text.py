"""Making untrusted text safe to print on a terminal.

Field values, class names and error messages come from the server, and so
from whoever can write to it. An ESC byte in a string field could move the
cursor, retitle the window or hide lines; a newline could forge an event line.
Every piece of server data passes through ``escape_text`` before it reaches a
human-readable stream (NDJSON needs nothing: JSON escapes control characters).
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, and the bidirectional overrides/isolates that
# can make a line read differently from what it contains.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
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

    Clean text is returned unchanged (one regex scan, no copy), which keeps the
    pretty printer fast on the common case.
    """
    if _UNSAFE.search(text) is None:
        return text
    return _UNSAFE.sub(_replacement, text)
