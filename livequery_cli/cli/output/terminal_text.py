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
# can make a line read differently from what it contains. Every one of them is
# in Unicode category Cc or Cf, which ``str.isprintable`` rejects: that is what
# makes the fast path in ``escape_text`` sound.
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

    Clean text is returned unchanged, without a copy. ``str.isprintable`` is a
    single C loop, cheaper than a regex scan, and true only when no character
    is a control or format character; only text it rejects (which includes
    harmless non-printables such as a non-breaking space) goes to the regex.
    """
    if text.isprintable():
        return text
    return _UNSAFE.sub(_replacement, text)
