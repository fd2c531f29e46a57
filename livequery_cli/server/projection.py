"""``keys`` and ``excludeKeys``: which fields of an object a read returns.

As in Parse Server, the system fields (``objectId``, ``createdAt``,
``updatedAt``, ``ACL``) are always kept, and so are relation fields: Parse's
storage adapters add every relation field of the class's schema to each
object they return (one that never had a relation operation too), whatever
``keys`` or ``excludeKeys`` say; ``shape`` does the same. A dotted name (``post.title``)
keeps or excludes its first segment's field here; the rest of the path is
applied to the included object (see ``include``).
"""

from __future__ import annotations

from typing import Any, Final

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.schema import class_fields
from livequery_cli.server.storage import Storage

ALWAYS_KEPT: Final = ("objectId", "createdAt", "updatedAt", "ACL")


def key_list(value: Any, name: str = "keys") -> list[str] | None:
    """``keys``/``order``/``include`` as a list: a comma-separated string or an array of strings."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list) and all(isinstance(k, str) for k in value):
        return [k.strip() for k in value if k.strip()]
    raise ParseApiError(ErrorCode.INVALID_QUERY, f"{name} must be a string")


def _is_relation(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__type") == "Relation"


def project_keys(view: JsonObject, keys: list[str] | None) -> JsonObject:
    """Keep the requested top-level keys (``a.b`` keeps ``a``), system and relation fields."""
    if keys is None:
        return view
    wanted = {k.split(".")[0] for k in keys}
    return {k: v for k, v in view.items() if k in wanted or k in ALWAYS_KEPT or _is_relation(v)}


def exclude_keys(view: JsonObject, excluded: list[str] | None) -> JsonObject:
    """Drop the excluded top-level fields (a dotted name excludes inside an include)."""
    if not excluded:
        return view
    dropped = set(excluded) - set(ALWAYS_KEPT)
    return {k: v for k, v in view.items() if k not in dropped or _is_relation(v)}


def relation_fields(storage: Storage, class_name: str) -> JsonObject:
    """The class's relation fields as REST shows them: ``{name: {"__type": "Relation", ...}}``."""
    return {
        name: {"__type": "Relation", "className": spec.get("targetClass")}
        for name, spec in class_fields(storage, class_name).items()
        if spec.get("type") == "Relation"
    }


def shape(
    view: JsonObject,
    keys: list[str] | None,
    excluded: list[str] | None,
    relations: JsonObject | None = None,
) -> JsonObject:
    """The class's ``relations`` added, then ``keys`` and ``excludeKeys``, as Parse applies them."""
    if relations:
        view = {**relations, **view}
    return exclude_keys(project_keys(view, keys), excluded)
