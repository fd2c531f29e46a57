"""The one name for a JSON object as Parse sends it.

Parse objects, queries, frames and REST bodies are all JSON objects whose
values are arbitrary JSON; ``Any`` for the values keeps call sites free of
casts while the key type stays checked.
"""

from __future__ import annotations

from typing import Any, TypeAlias

__all__ = ["JsonObject"]

JsonObject: TypeAlias = dict[str, Any]
