"""One event as ``lq tail`` prints it, whatever the output format.

The record is deliberately flat and slotted: at 100k events/s every attribute
lookup and allocation on the way to stdout shows up in a profile.
"""

from __future__ import annotations

from typing import Any

EVENT_TYPES: tuple[str, ...] = ("create", "update", "enter", "leave", "delete")

# Fields every Parse object carries that say nothing about what the change was.
BOOKKEEPING_FIELDS = frozenset({"updatedAt"})


class TailEvent:
    """An event from subscription ``sub``: ``op``, the object, and the original when sent.

    ``seq`` numbers the events ``lq`` printed, from 1; ``ts`` is when ``lq``
    received it (seconds since the epoch). ``kind`` is ``"event"``, or
    ``"snapshot"`` for a record of the initial result set (``--snapshot``,
    ``--since``); ``synthetic`` marks a difference found by a resync.
    """

    __slots__ = ("class_name", "kind", "object", "op", "original", "seq", "sub", "synthetic", "ts")

    def __init__(
        self,
        op: str,
        obj: dict[str, Any],
        original: dict[str, Any] | None,
        *,
        class_name: str,
        seq: int,
        ts: float,
        sub: int = 0,
        kind: str = "event",
        synthetic: bool = False,
    ) -> None:
        self.op = op
        self.object = obj
        self.original = original
        self.class_name = class_name
        self.seq = seq
        self.ts = ts
        self.sub = sub
        self.kind = kind
        self.synthetic = synthetic

    @property
    def object_id(self) -> str:
        value = self.object.get("objectId")
        return value if isinstance(value, str) else ""

    def changed(self) -> list[str]:
        """Top-level fields whose value differs between ``original`` and ``object``, sorted.

        ``updatedAt`` is left out: it changes on every save, so listing it would
        only hide the fields that matter. Empty when there is no original.
        """
        original = self.original
        if original is None:
            return []
        obj = self.object
        get = original.get
        names = [key for key, value in obj.items() if get(key, _MISSING) != value]
        if not original.keys() <= obj.keys():  # no temporary set in the common case
            names.extend(original.keys() - obj.keys())
        if names:
            for key in BOOKKEEPING_FIELDS:
                if key in names:
                    names.remove(key)
            if len(names) > 1:
                names.sort()
        return names


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()
