"""Parse Server's LiveQuery channels on Redis, consumed in order, surviving outages.

One subscriber connection listens to ``<appId>afterSave``, ``afterDelete``
and ``clearCache``. Each message is decoded and handed to the node, which
awaits it before the next one is read: events keep Parse Server's publish
order, and a slow identity lookup slows the feed instead of reordering it.

Redis pub/sub keeps nothing for absent subscribers: while the connection is
down, events are lost for good. So the feed reconnects with capped
exponential backoff (and jitter, so a fleet of nodes does not reconnect in
lockstep), and once subscribed again it reports the length of the gap: the
node then closes every client with "service restart" so that each one
reconnects and resynchronises (``lq tail`` does). A malformed message is
counted and logged (without its body) and never stops the feed.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from livequery_cli.server.cluster.parse_messages import (
    ClearCache,
    MalformedMessage,
    ObjectChange,
    channels,
    decode,
    describe,
)

if TYPE_CHECKING:  # redis is imported lazily: `lq --help` must not pay for it
    from redis.asyncio import Redis

log = logging.getLogger("livequery_cli.server.cluster")

Handler = Callable[[ObjectChange | ClearCache], Awaitable[None]]
GapHandler = Callable[[float], Awaitable[None]]

BACKOFF_FIRST_S = 0.1
BACKOFF_MAX_S = 5.0
HEALTH_CHECK_S = 10.0


@dataclass
class FeedStats:
    """Counters a test or an operator can read."""

    messages: int = 0
    malformed: int = 0
    handler_errors: int = 0
    outages: int = 0
    last_gap_seconds: float | None = None
    connected: bool = False


def redis_client(url: str) -> Redis:
    """A redis-py asyncio client for ``url`` (``redis://``, ``rediss://``, ``unix://``)."""
    from redis.asyncio import Redis

    client: Redis = Redis.from_url(
        url, health_check_interval=HEALTH_CHECK_S, socket_keepalive=True, socket_connect_timeout=5
    )
    return client


def safe_url(url: str) -> str:
    """``url`` without its password, for log lines."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rsplit("@", 1)[1]
    return scheme + sep + rest


class RedisFeed:
    """Subscribe, dispatch each message in order, reconnect after a failure."""

    def __init__(
        self,
        url: str,
        app_id: str,
        on_message: Handler,
        on_gap: GapHandler,
        *,
        backoff_first: float = BACKOFF_FIRST_S,
        backoff_max: float = BACKOFF_MAX_S,
    ) -> None:
        self.url = url
        self.kinds = channels(app_id)
        self.on_message = on_message
        self.on_gap = on_gap
        self.backoff_first = backoff_first
        self.backoff_max = backoff_max
        self.stats = FeedStats()
        self.subscribed = asyncio.Event()

    async def run(self) -> None:
        """Run until cancelled; never raises anything else."""
        from redis.exceptions import RedisError

        delay = self.backoff_first
        down_since: float | None = None
        first = True
        while True:
            client = redis_client(self.url)
            try:
                pubsub = client.pubsub()
                try:
                    await pubsub.subscribe(*self.kinds)
                    self.stats.connected = True
                    self.subscribed.set()
                    if down_since is not None or not first:
                        await self._report_gap(down_since)
                    first = False
                    down_since = None
                    delay = self.backoff_first
                    await self._listen(pubsub)
                finally:
                    self.stats.connected = False
                    self.subscribed.clear()
                    await pubsub.aclose()
            except (RedisError, OSError) as exc:
                if down_since is None:
                    down_since = time.monotonic()
                    self.stats.outages += 1
                    log.warning(
                        "Redis %s unreachable (%s); events are lost until it is back",
                        safe_url(self.url),
                        type(exc).__name__,
                    )
            finally:
                await client.aclose()
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, self.backoff_max)

    async def _report_gap(self, down_since: float | None) -> None:
        gap = 0.0 if down_since is None else time.monotonic() - down_since
        self.stats.last_gap_seconds = gap
        log.warning(
            "Redis %s is back after %.1f s without events; closing clients so they resync",
            safe_url(self.url),
            gap,
        )
        try:
            await self.on_gap(gap)
        except Exception:
            log.exception("error while closing clients after a Redis outage")

    async def _listen(self, pubsub: Any) -> None:
        async for raw in pubsub.listen():
            if raw.get("type") != "message":
                continue
            channel = raw.get("channel")
            if isinstance(channel, bytes):
                channel = channel.decode(errors="replace")
            await self.dispatch(self.kinds.get(channel, ""), raw.get("data"))

    async def dispatch(self, kind: str, data: Any) -> None:
        """Decode one message and hand it over; count what goes wrong, never raise."""
        self.stats.messages += 1
        if not isinstance(data, bytes | str) or not kind:
            self.stats.malformed += 1
            log.warning("malformed LiveQuery message ignored: unexpected channel or payload")
            return
        try:
            message = decode(kind, data)
        except MalformedMessage as exc:
            self.stats.malformed += 1
            log.warning("malformed LiveQuery message on %s ignored: %s", kind, describe(exc))
            return
        try:
            await self.on_message(message)
        except Exception:
            self.stats.handler_errors += 1
            log.exception("internal error while fanning out a %s message", kind)
