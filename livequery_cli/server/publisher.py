"""What the data side tells the live side: every committed change, once.

The object service publishes every write, and the session code every session
it opens or ends, to one :class:`ChangePublisher` (the LiveQuery hub), with
the object before and after, so subscriptions can decide create / update /
enter / leave / delete exactly as Parse Server does.
"""

from __future__ import annotations

from typing import Protocol

from livequery_cli.parse.json_types import JsonObject


class ChangePublisher(Protocol):
    """Receives every committed change (the LiveQuery hub)."""

    def publish_save(
        self, class_name: str, original: JsonObject | None, current: JsonObject
    ) -> None:
        """An object was created (``original`` None) or updated."""

    def publish_delete(self, class_name: str, deleted: JsonObject) -> None:
        """An object was deleted; ``deleted`` is its last state."""
