"""Reading object events without building their objects, for ``lq tail --json`` and ``-o raw``.

Those outputs print each object as orjson encodes it. Decoding a 1 KB frame
into Python objects and encoding the object and the original again costs
more than everything else ``lq tail`` does per event, while the server's
text usually *is* that encoding already. So the CLI gives the client's
protocol this reader (``ClientProtocol.object_event_reader``): msgspec skims
the frame (``op``, ``requestId``, the object and the original as raw text),
whitespace outside strings is dropped (``msgspec.json.format``), and the
objects become ``RawObject``s: the fields the tail reads, plus the text.

The text is used only where re-encoding it could not change a byte. A frame
is left to the ordinary decoder (which also reports malformed frames) when:

- it is not a well-formed object event (wrong types, an object that is not
  a JSON object, invalid UTF-8, invalid JSON);
- it has any backslash: escapes may be spelled in several ways (``\\u00e9``
  for ``é``, ``\\/``), orjson writes one;
- an object has a number orjson would write otherwise: an exponent, a
  fraction with a trailing zero, ``-0``, a fixed-point number under 1e-5,
  19 or more digits in a row (past 64-bit integers). The check runs on the
  whole text, strings included, so a string that looks like such a number
  only costs the fast path, never a wrong byte.

Not detected: a JSON object with the same key twice. The ordinary decoder
keeps the last value and prints it once, this path prints the server's text
(both keys). JSON texts with duplicate names are not interoperable (RFC 8259
section 4); neither Parse Server nor ``lq serve`` sends them.

Features that need whole objects (pretty output, ``--template``, ``--until``,
``--exec``) do not install the reader: ``shallow_reading_allowed`` decides.
"""

from __future__ import annotations

from typing import Any

import msgspec
import re2

from livequery_cli.cli.output.raw_object import RawObject
from livequery_cli.protocol.frames import OBJECT_OPS, ObjectOp

__all__ = ["read_object_event", "shallow_reading_allowed"]

_WITH_ORIGINAL = frozenset({"update", "enter", "leave"})


_NULL = msgspec.Raw(b"null")


class _Frame(msgspec.Struct):
    op: str
    requestId: int
    object: msgspec.Raw
    original: msgspec.Raw = _NULL


class _Head(msgspec.Struct):
    className: Any = msgspec.UNSET
    objectId: Any = msgspec.UNSET
    createdAt: Any = msgspec.UNSET
    updatedAt: Any = msgspec.UNSET


_read_frame = msgspec.json.Decoder(_Frame).decode
_read_head = msgspec.json.Decoder(_Head).decode
_compact = msgspec.json.format
_UNSET = msgspec.UNSET

# Number spellings orjson would write differently (see the module docstring); after
# whitespace was dropped, a number starts after ``:``, ``,`` or ``[``.
_REWRITTEN_NUMBER = re2.compile(
    rb"[:,\[]-?[0-9]+(?:\.[0-9]+)?[eE]"
    rb"|\.[0-9]+0[,}\]]"
    rb"|[:,\[]-0[,}\]]"
    rb"|[:,\[]-?0\.00000"
    rb"|[0-9]{19}"
)


def read_object_event(
    data: str | bytes,
) -> tuple[int, ObjectOp, RawObject, RawObject | None] | None:
    """``(requestId, op, object, original)`` with raw objects, or None for the ordinary decoder."""
    if isinstance(data, str):
        text = data.encode()
    else:
        text = data
        if not text.isascii():
            try:
                text.decode()
            except UnicodeDecodeError:
                return None
    if b"\\" in text:
        return None
    try:
        frame = _read_frame(text)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    op = frame.op
    if op not in OBJECT_OPS:
        return None
    obj = _raw_object(frame.object)
    if obj is None:
        return None
    original = None
    if op in _WITH_ORIGINAL and frame.original != _NULL:
        original = _raw_object(frame.original)
        if original is None:
            return None
    return frame.requestId, op, obj, original  # type: ignore[return-value]  # op is in OBJECT_OPS


def _raw_object(raw: msgspec.Raw) -> RawObject | None:
    """The raw value as a ``RawObject``, or None when it is not an object or not canonical."""
    text = _compact(bytes(raw), indent=-1)
    if text[:1] != b"{" or _REWRITTEN_NUMBER.search(text):
        return None
    head = _read_head(text)
    fields = {}
    if head.className is not _UNSET:
        fields["className"] = head.className
    if head.objectId is not _UNSET:
        fields["objectId"] = head.objectId
    if head.createdAt is not _UNSET:
        fields["createdAt"] = head.createdAt
    if head.updatedAt is not _UNSET:
        fields["updatedAt"] = head.updatedAt
    return RawObject(fields, text)


def shallow_reading_allowed(*, output: str, until: bool, exec_command: bool) -> bool:
    """Whether the tail may read events shallowly: only ``--json`` / ``-o raw``, without
    ``--until`` (it matches whole objects) or ``--exec`` (it hands them to a command)."""
    return output in ("json", "raw") and not until and not exec_command
