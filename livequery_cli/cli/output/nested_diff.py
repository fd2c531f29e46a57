"""What changed inside a nested value, as dotted paths: ``cfg.a.b.c[2]: 3 -> 4``.

Printing a whole object twice to show that one number deep inside it changed
makes a person diff the two by eye. Objects are walked key by key and arrays
index by index down to the values that differ; Parse's typed values (a
``{"__type": "Date", ...}``, a pointer) are leaves, shown the way the pretty
format shows them. The number of paths is capped so that replacing a large
array cannot flood the terminal.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["ABSENT", "MAX_PATHS", "changed_paths"]

MAX_PATHS = 20


class _Absent:
    __slots__ = ()

    def __repr__(self) -> str:
        return "(none)"


ABSENT: Any = _Absent()
"""A key or index present on one side only."""

_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _container(value: Any) -> bool:
    if isinstance(value, list):
        return True
    return isinstance(value, dict) and "__type" not in value


def _key_path(prefix: str, key: str) -> str:
    if _PLAIN_KEY.fullmatch(key):
        return f"{prefix}.{key}"
    import orjson

    return f"{prefix}[{orjson.dumps(key).decode()}]"


def changed_paths(
    name: str, old: Any, new: Any, limit: int = MAX_PATHS
) -> tuple[list[tuple[str, Any, Any]], int]:
    """The ``(path, old, new)`` leaves that differ under field ``name``, and how many were left out.

    When ``old`` and ``new`` are not both objects or both arrays the field
    itself is the one leaf. Missing sides are ``ABSENT``.
    """
    found: list[tuple[str, Any, Any]] = []
    skipped = _walk(name, old, new, found, limit)
    return found, skipped


def _walk(path: str, old: Any, new: Any, found: list[tuple[str, Any, Any]], limit: int) -> int:
    if old == new and type(old) is type(new):
        return 0
    both_dicts = isinstance(old, dict) and isinstance(new, dict)
    both_lists = isinstance(old, list) and isinstance(new, list)
    if not (both_dicts or both_lists) or not (_container(old) and _container(new)):
        if len(found) < limit:
            found.append((path, old, new))
            return 0
        return 1
    skipped = 0
    if both_dicts:
        for key in [*old, *(k for k in new if k not in old)]:
            skipped += _walk(
                _key_path(path, str(key)), old.get(key, ABSENT), new.get(key, ABSENT), found, limit
            )
    else:
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else ABSENT
            after = new[index] if index < len(new) else ABSENT
            skipped += _walk(f"{path}[{index}]", before, after, found, limit)
    return skipped
