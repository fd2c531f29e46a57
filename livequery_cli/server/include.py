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
- At most ``MAX_INCLUDE_PATHS`` paths per read (102 beyond, as Parse's
  optional ``requestComplexity.includeCount``): each path is one pass over
  the page, on the event loop every client shares.
- The included objects of one read may add at most ``MAX_INCLUDED_BYTES``
  to the answer (102 beyond): an object that points to itself twice would
  otherwise double the answer at each level of ``include=a.a.a...``.
- An answer that include would nest more than ``MAX_DEPTH`` levels deep is
  102 too (an object including itself along ``a.a.a...``, or nested arrays).
- An included object is the caller's view of it (a user's ``email`` only to
  that user, never a session token) with ``"__type": "Object"`` and its
  ``className``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final

import orjson

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity, can_read
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.projection import key_list, relation_fields, shape
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.schema import class_fields

_INCLUDABLE_TYPES: Final = ("Pointer", "Array")
MAX_INCLUDE_PATHS: Final = 256
MAX_INCLUDED_BYTES: Final = 16 * 2**20
MAX_DEPTH: Final = 250
_DROP: Final = object()
Path = tuple[str, ...]


@dataclass(frozen=True)
class ReadOptions:
    """A read's ``keys``, ``excludeKeys`` and include paths (each prefix listed, shortest first).

    ``sub_keys``/``sub_excluded`` hold, per include path, the ``keys`` and
    ``excludeKeys`` that apply inside the objects included there.
    """

    keys: list[str] | None
    excluded: list[str] | None
    paths: list[Path]
    sub_keys: dict[Path, list[str]] = field(default_factory=dict)
    sub_excluded: dict[Path, list[str]] = field(default_factory=dict)


def _too_many(count: int) -> ParseApiError:
    return ParseApiError(
        ErrorCode.INVALID_QUERY,
        f"Number of include fields ({count}) exceeds maximum allowed ({MAX_INCLUDE_PATHS})",
    )


def _add_path(paths: dict[Path, None], parts: Path) -> None:
    """Add ``parts`` and every prefix of it, refusing past ``MAX_INCLUDE_PATHS``."""
    for end in range(1, len(parts) + 1):
        paths[parts[:end]] = None
        if len(paths) > MAX_INCLUDE_PATHS:
            raise _too_many(len(paths))


def _names_inside(names: list[str] | None, *, last_only: bool) -> dict[Path, list[str]]:
    """Dotted names by the path they reach into: ``a.b.c`` is ``c`` inside ``a.b`` and, unless
    ``last_only`` (Parse's rule for ``excludeKeys``), ``b`` inside ``a``."""
    inside: dict[Path, dict[str, None]] = {}
    for name in dict.fromkeys(names or []):
        parts = tuple(name.split("."))
        depths = [len(parts) - 1] if last_only else range(1, len(parts))
        for depth in depths:
            if depth > 0:
                inside.setdefault(parts[:depth], {})[parts[depth]] = None
    return {path: list(picked) for path, picked in inside.items()}


def read_options(
    service: ObjectService, class_name: str, params: JsonObject, *, allow_include_all: bool = True
) -> ReadOptions:
    """Parse's ``keys``/``excludeKeys``/``include``/``includeAll`` for one read of a class."""
    keys = key_list(params.get("keys"), "keys")
    excluded = key_list(params.get("excludeKeys"), "excludeKeys")
    requested = key_list(params.get("include"), "include") or []
    # A dotted key or excluded key needs the object it reaches into.
    for name in (keys or []) + (excluded or []):
        if "." in name:
            requested.append(name[: name.rindex(".")])
    include_all = "*" in requested or (
        allow_include_all and str(params.get("includeAll", "")).lower() in ("1", "true")
    )
    paths: dict[Path, None] = {}
    if "*" not in requested:
        for name in requested:
            _add_path(paths, tuple(name.split(".")))
    if include_all:
        for name, spec in class_fields(service.storage, class_name).items():
            if spec.get("type") in _INCLUDABLE_TYPES:
                _add_path(paths, (name,))
                if keys is not None and name not in keys:
                    keys = [*keys, name]
    return ReadOptions(
        keys,
        excluded,
        sorted(paths, key=len),
        # Every dotted key's prefixes are include paths, so these stay within the path limit.
        _names_inside(keys, last_only=False),
        _names_inside(excluded, last_only=True),
    )


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
    relations = relation_fields(service.storage, class_name)
    view = shape(service.view(class_name, body, identity), keys, excluded, relations)
    return {"__type": "Object", "className": class_name, **view}


def include_pointers(
    service: ObjectService, identity: Identity, results: list[JsonObject], options: ReadOptions
) -> list[JsonObject]:
    """``results`` with the pointers on every include path replaced (shortest paths first)."""
    try:
        included = _include_all_paths(service, identity, results, options)
    except RecursionError:
        included = None
    if included is None or (included is not results and _deeper_than(included, MAX_DEPTH)):
        # The answer could not be encoded (orjson stops at 255 levels).
        raise ParseApiError(
            ErrorCode.INVALID_QUERY,
            f"include would nest the answer more than {MAX_DEPTH} levels deep",
        )
    return included


def _deeper_than(node: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(node, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def _include_all_paths(
    service: ObjectService, identity: Identity, results: list[JsonObject], options: ReadOptions
) -> list[JsonObject]:
    spent = 0
    for path in options.paths:
        keys = options.sub_keys.get(path)
        excluded = options.sub_excluded.get(path)
        pointers = list(_pointers(results, path))
        if not pointers:
            continue
        found: dict[tuple[Any, Any], JsonObject] = {}
        sizes: dict[tuple[str, str], int] = {}
        for ptr in pointers:
            class_name, object_id = ptr.get("className"), ptr.get("objectId")
            if not isinstance(class_name, str) or not isinstance(object_id, str):
                continue
            key = (class_name, object_id)
            if key not in sizes:
                obj = _included_object(service, class_name, object_id, identity, keys, excluded)
                sizes[key] = 0 if obj is None else len(orjson.dumps(obj))
                if obj is not None:
                    found[key] = obj
            # Every occurrence is a copy in the answer: an object including itself
            # twice per level would otherwise double the answer at each level.
            spent += sizes[key]
            if spent > MAX_INCLUDED_BYTES:
                raise ParseApiError(
                    ErrorCode.INVALID_QUERY,
                    f"include would add more than {MAX_INCLUDED_BYTES // 2**20} MiB to the answer",
                )
        results = _replaced(results, path, found)
    return results
