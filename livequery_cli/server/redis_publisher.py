"""``lq serve --redis-url``: publish the embedded server's writes the way Parse Server does.

Every committed save and delete still goes to the local LiveQuery hub first,
then, in Parse Server's format (``<appId>afterSave`` / ``<appId>afterDelete``,
``{currentParseObject, originalParseObject?, classLevelPermissions}``, see
:mod:`livequery_cli.server.cluster.parse_messages`), onto Redis, so LiveQuery nodes
(``lq serve --parse-server`` or Parse's own) can fan them out too. A role
written by a user's session also publishes ``<appId>clearCache``, so the nodes
drop that user's cached roles (:meth:`RedisPublisher.role_written`).

Writes must never wait on Redis: messages go through a bounded in-memory
queue drained by one task, in commit order. While Redis is unreachable they
are dropped and counted (Redis pub/sub would not keep them for absent
subscribers either); the subscribers' nodes see the gap and make their
clients resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity
from livequery_cli.server.cluster.parse_messages import (
    AFTER_DELETE,
    AFTER_SAVE,
    CLEAR_CACHE,
    encode_clear_cache,
    encode_delete,
    encode_save,
)
from livequery_cli.server.cluster.redis_feed import redis_client, safe_url
from livequery_cli.server.documents import public_view
from livequery_cli.server.publisher import ChangePublisher

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger("livequery_cli.server")

QUEUE_LIMIT = 100_000
#: The embedded server has no class-level permissions: every class is public, as Parse's default.
PUBLIC_CLP: JsonObject = {
    "find": {"*": True},
    "count": {"*": True},
    "get": {"*": True},
    "create": {"*": True},
    "update": {"*": True},
    "delete": {"*": True},
    "addField": {"*": True},
    "protectedFields": {"*": []},
}


class RedisPublisher:
    """A :class:`ChangePublisher` that feeds the local hub and then Redis."""

    def __init__(self, local: ChangePublisher, url: str, app_id: str) -> None:
        self.local = local
        self.url = url
        self.app_id = app_id
        self.published = 0
        self.dropped = 0
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(QUEUE_LIMIT)
        self._task: asyncio.Task[None] | None = None

    def publish_save(
        self, class_name: str, original: JsonObject | None, current: JsonObject
    ) -> None:
        self.local.publish_save(class_name, original, current)
        orig = public_view(original) if original is not None else None
        self._enqueue(AFTER_SAVE, encode_save(class_name, orig, public_view(current), PUBLIC_CLP))

    def publish_delete(self, class_name: str, deleted: JsonObject) -> None:
        self.local.publish_delete(class_name, deleted)
        self._enqueue(AFTER_DELETE, encode_delete(class_name, public_view(deleted), PUBLIC_CLP))

    def role_written(self, identity: Identity) -> None:
        """A ``_Role`` create or update is about to be published: tell the nodes, as Parse does.

        Parse Server 9 publishes ``{"userId": <writer>}`` on ``<appId>clearCache``
        before the write when a user's session (not the master key) creates or
        updates a role; LiveQuery nodes then drop the roles cached for that
        user's sessions instead of trusting them until their cache timeout.
        A master-key write or a delete sends nothing, as in Parse Server.
        """
        if identity.master or identity.user_id is None:
            return
        self._enqueue(CLEAR_CACHE, encode_clear_cache(identity.user_id))

    def _enqueue(self, kind: str, payload: bytes) -> None:
        try:
            self._queue.put_nowait((self.app_id + kind, payload))
        except asyncio.QueueFull:
            self.dropped += 1

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self, flush_timeout: float = 2.0) -> None:
        """Publish what is queued (for at most ``flush_timeout`` s), then disconnect."""
        if self._task is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), flush_timeout)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        from redis.exceptions import RedisError

        client: Redis | None = None
        failing = False
        try:
            while True:
                channel, payload = await self._queue.get()
                try:
                    if client is None:
                        client = redis_client(self.url)
                    await client.publish(channel, payload)
                    self.published += 1
                    if failing:
                        log.warning("Redis %s reachable again: publishing", safe_url(self.url))
                    failing = False
                except (RedisError, OSError) as exc:
                    self.dropped += 1
                    if not failing:
                        log.warning(
                            "Redis %s unreachable (%s): messages dropped until it is back",
                            safe_url(self.url),
                            type(exc).__name__,
                        )
                    failing = True
                    if client is not None:
                        await client.aclose()
                        client = None
                finally:
                    self._queue.task_done()
        finally:
            if client is not None:
                await client.aclose()
