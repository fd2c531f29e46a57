"""The shape of a subscription query, checked before it goes on the wire.

Parse Server validates requests against a JSON schema and answers a failure
with an ``error`` frame that carries no ``requestId``, so the subscriber could
never learn which request failed. Checking the same shape client-side turns
that into an immediate, attributable ``QueryError``.
"""

from __future__ import annotations

from typing import Any

from livequery_cli.exceptions import QueryError

__all__ = ["query_to_json", "validate_subscribe_query"]

_ALLOWED_KEYS = frozenset({"className", "where", "keys", "watch"})


def validate_subscribe_query(query: Any) -> None:
    """Raise ``QueryError`` unless ``query`` is ``{className, where, keys?, watch?}``."""
    if not isinstance(query, dict):
        raise QueryError("a subscription query must be a JSON object")
    extra = sorted(set(query) - _ALLOWED_KEYS)
    if extra:
        raise QueryError(
            f"unexpected query field {extra[0]!r} (allowed: className, where, keys, watch)"
        )
    class_name = query.get("className")
    if not isinstance(class_name, str) or not class_name:
        raise QueryError("a subscription query needs a non-empty className")
    if not isinstance(query.get("where"), dict):
        raise QueryError("a subscription query needs a 'where' object")
    for name in ("keys", "watch"):
        if name in query:
            value = query[name]
            if (
                not isinstance(value, list)
                or not value
                or not all(isinstance(item, str) and item for item in value)
            ):
                raise QueryError(f"'{name}' must be a non-empty list of field names")


def query_to_json(query: Any) -> dict[str, Any]:
    """``{className, where, keys?, watch?}`` from a ``Query`` (or such a dict), validated."""
    to_json = getattr(query, "to_subscribe_query", None)
    result = to_json() if callable(to_json) else query
    validate_subscribe_query(result)
    return dict(result)
