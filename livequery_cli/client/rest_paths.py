"""The REST API's paths and query strings, built from names a caller passed.

Kept apart from the client so the one rule that matters here is visible: a
class name or objectId is one path segment, percent-encoded, and a name that
would change the path (``/``, ``.``, ``..``, empty) is refused before any
request, not sent to whatever endpoint it would reach.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import orjson

from livequery_cli.exceptions import ConfigError

__all__ = ["class_path", "object_path", "query_params"]


def class_path(class_name: str) -> str:
    """``classes/<name>``."""
    _check_segment(class_name, "class name")
    return f"classes/{quote(class_name, safe='')}"


def object_path(class_name: str, object_id: str) -> str:
    """``classes/<name>/<objectId>``."""
    _check_segment(object_id, "objectId")
    return f"{class_path(class_name)}/{quote(object_id, safe='')}"


def query_params(
    where: Mapping[str, Any] | None,
    *,
    keys: Sequence[str] | None = None,
    order: str | Sequence[str] | None = None,
    limit: int | None = None,
    skip: int | None = None,
) -> dict[str, str]:
    """A find's query string: ``where`` as JSON, lists comma-separated, empty parts left out."""
    params: dict[str, str] = {}
    if where:
        params["where"] = orjson.dumps(dict(where)).decode()
    if keys:
        params["keys"] = ",".join(keys)
    if order:
        params["order"] = order if isinstance(order, str) else ",".join(order)
    if limit is not None:
        params["limit"] = str(limit)
    if skip:
        params["skip"] = str(skip)
    return params


def _check_segment(value: str, what: str) -> None:
    if not value or "/" in value or value in (".", ".."):
        raise ConfigError(f"invalid {what}: {value!r}")
