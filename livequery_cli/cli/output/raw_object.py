"""An event object kept as JSON text, with only its bookkeeping fields decoded.

``lq tail --json`` prints the object and the original exactly as orjson would
encode them, so when the server's text is already in that form there is no
need to build the whole object in Python only to encode it again. A
``RawObject`` is a dict holding just the fields the tail itself reads
(``className``, ``objectId``, ``createdAt``, ``updatedAt``: the runner, the
resync view and the replay use nothing else), and carries the object's
canonical JSON text in ``json``; the envelope embeds that text
(``orjson.Fragment``). ``changed`` compares the two objects field by field
on their raw JSON values and decodes only the values whose text differs, so
it gives the same answer as comparing decoded objects. Anything that needs
the whole object calls ``decoded``.

See ``livequery_cli.cli.tail.shallow_frames`` for which frames are read this
way and which output modes use it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["HEAD_FIELDS", "RawObject", "decoded", "raw_changed"]

HEAD_FIELDS = ("className", "objectId", "createdAt", "updatedAt")
"""The fields a ``RawObject`` holds decoded."""

_fields_decoder: Callable[[bytes], dict[str, Any]] | None = None


def _fields(text: bytes) -> dict[str, Any]:
    """The object's top-level fields as raw JSON values (msgspec is imported at first use)."""
    global _fields_decoder
    if _fields_decoder is None:
        import msgspec

        _fields_decoder = msgspec.json.Decoder(dict[str, msgspec.Raw]).decode
    return _fields_decoder(text)


class RawObject(dict[str, Any]):
    """The ``HEAD_FIELDS`` of an object, decoded; ``json`` is the whole object's canonical text."""

    __slots__ = ("json",)

    def __init__(self, head: dict[str, Any], json: bytes) -> None:
        super().__init__(head)
        self.json = json


def decoded(obj: dict[str, Any]) -> dict[str, Any]:
    """The whole object: decoded from its text for a ``RawObject``, else ``obj`` itself."""
    if type(obj) is RawObject:
        result: dict[str, Any] = orjson.loads(obj.json)
        return result
    return obj


_MISSING: Any = object()


def raw_changed(obj: RawObject, original: RawObject) -> list[str]:
    """``TailEvent.changed`` for two raw objects, with the same answer.

    Equal text means equal values; where the text differs the two values are
    decoded and compared as Python compares them (``1`` equals ``1.0``).
    """
    new = _fields(obj.json)
    old = _fields(original.json)
    get = old.get
    loads = orjson.loads
    names = []
    for key, value in new.items():
        before = get(key, _MISSING)
        if before is _MISSING or (before != value and loads(bytes(before)) != loads(bytes(value))):
            names.append(key)
    if not old.keys() <= new.keys():
        names.extend(old.keys() - new.keys())
    return names
