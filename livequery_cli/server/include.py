"""``include``: replace pointers in read results by the objects they point to.

Follows Parse Server 9's ``RestQuery`` step by step, so the SDK's
``include``, ``includeAll``, ``fetchWithInclude`` and ``fetchAllWithInclude``
see what they see on Parse:

- ``include=post.author`` includes ``post`` and then ``post.author``; ``*``
  (or ``includeAll``) includes every Pointer and Array field of the class, one
  level deep. ``keys``/``excludeKeys`` with a dotted name (``post.title``)
  also include the path before the last segment and apply the last segment
  to the included object.
- Pointers are found through arrays at every level, so an array of pointers
  is included element by element; other array items stay as they are.
- Each included object is read with the caller's identity: an object the
  caller may not read (or that no longer exists) is *removed*, the field from
  an object and the element from an array, exactly as Parse Server 9 does
  (its lookup simply finds nothing to put there).
- An included object is the caller's view of it (a user's ``email`` only to
  that user, never a session token) with ``"__type": "Object"`` and its
  ``className``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity, can_read
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.projection import key_list, shape
from livequery_cli.server.schema import class_fields

_INCLUDABLE_TYPES: Final = ("Pointer", "Array")
_DROP: Final = object()
Path = tuple[str, ...]


@dataclass(frozen=True)
class ReadOptions:
    """A read's ``keys``, ``excludeKeys`` and include paths (each prefix listed, shortest first)."""

    keys: list[str] | None
    excluded: list[str] | None
    paths: list[Path]


def read_options(
    service: ObjectService, class_name: str, params: JsonObject, *, allow_include_all: bool = True
) -> ReadOptions:
    """Parse's ``keys``/``excludeKeys``/``include``/``includeAll`` for one read of a class."""
    keys = key_list(params.get("keys"))
    excluded = key_list(params.get("excludeKeys"))
    requested = key_list(params.get("include")) or []
    # A dotted key or excluded key needs the object it reaches into.
    for name in (keys or []) + (excluded or []):
        if "." in name:
            requested.append(name[: name.rindex(".")])
    include_all = "*" in requested or (
        allow_include_all and str(params.get("includeAll", "")).lower() in ("1", "true")
    )
    paths: list[Path] = []
    if "*" not in requested:
        for name in requested:
            parts = tuple(name.split("."))
            for end in range(1, len(parts) + 1):
                if parts[:end] not in paths:
                    paths.append(parts[:end])
    if include_all:
        for field, spec in class_fields(service.storage, class_name).items():
            if spec.get("type") in _INCLUDABLE_TYPES:
                if (field,) not in paths:
                    paths.append((field,))
                if keys is not None and field not in keys:
                    keys = [*keys, field]
    paths.sort(key=len)
    return ReadOptions(keys, excluded, paths)


def _pointers(node: Any, path: Path) -> Iterator[JsonObject]:
    if isinstance(node, list):
        for item in node:
            yield from _pointers(item, path)
        return
    if not isinstance(node, dict):
        return
    if not path:
        if node.get("__type") == "Pointer":
            yield node
        return
    yield from _pointers(node.get(path[0]), path[1:])


def _replaced(node: Any, path: Path, found: dict[tuple[Any, Any], JsonObject]) -> Any:
    if isinstance(node, list):
        items = (_replaced(item, path, found) for item in node)
        return [item for item in items if item is not _DROP]
    if not isinstance(node, dict):
        return node
    if not path:
        if node.get("__type") == "Pointer":
            key = (node.get("className"), node.get("objectId"))
            if not all(isinstance(part, str) for part in key):
                return _DROP
            return found.get(key, _DROP)
        return node
    sub = node.get(path[0])
    if not isinstance(sub, dict | list):
        return node
    new = _replaced(sub, path[1:], found)
    copy = dict(node)
    if new is _DROP:
        del copy[path[0]]
    else:
        copy[path[0]] = new
    return copy


def _sub_names(names: list[str] | None, path: Path, *, exact: bool) -> list[str] | None:
    """The ``keys`` (or, ``exact``, ``excludeKeys``) that apply inside the object at ``path``."""
    depth = len(path)
    picked: list[str] = []
    for name in names or []:
        parts = name.split(".")
        if tuple(parts[:depth]) != path or len(parts) <= depth:
            continue
        if exact and len(parts) != depth + 1:
            continue
        if parts[depth] not in picked:
            picked.append(parts[depth])
    return picked or None


def _included_object(
    service: ObjectService,
    class_name: str,
    object_id: str,
    identity: Identity,
    keys: list[str] | None,
    excluded: list[str] | None,
) -> JsonObject | None:
    body = service.storage.get(class_name, object_id)
    if body is None or not can_read(body.get("ACL"), identity):
        return None
    view = shape(service.view(class_name, body, identity), keys, excluded)
    return {"__type": "Object", "className": class_name, **view}


def include_pointers(
    service: ObjectService, identity: Identity, results: list[JsonObject], options: ReadOptions
) -> list[JsonObject]:
    """``results`` with the pointers on every include path replaced (shortest paths first)."""
    for path in options.paths:
        keys = _sub_names(options.keys, path, exact=False)
        excluded = _sub_names(options.excluded, path, exact=True)
        pointers = list(_pointers(results, path))
        if not pointers:
            continue
        found: dict[tuple[Any, Any], JsonObject] = {}
        seen: set[tuple[str, str]] = set()
        for ptr in pointers:
            class_name, object_id = ptr.get("className"), ptr.get("objectId")
            if not isinstance(class_name, str) or not isinstance(object_id, str):
                continue
            if (class_name, object_id) in seen:
                continue
            seen.add((class_name, object_id))
            obj = _included_object(service, class_name, object_id, identity, keys, excluded)
            if obj is not None:
                found[(class_name, object_id)] = obj
        results = _replaced(results, path, found)
    return results
