"""Failover over several LiveQuery URLs: on a failed connect, try the next one.

Parse scales LiveQuery by running several nodes that share one Redis, so any
node can serve any subscriber. ``lq`` takes a comma-separated list of
LiveQuery URLs (``--live-query-url``, ``LQ_LIVE_QUERY_URL`` or the profile's
``live_query_url``); the client connects to the first, and each failed
connection attempt moves it to the next URL in the list, with the client's
usual backoff between attempts. When the node it is connected to dies, the
next attempt at that node is refused, and the one after goes to the next
node; the resync after the reconnect then makes the picture exact again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from livequery_cli.client.transports.interface import Connector, Transport

if TYPE_CHECKING:
    from livequery_cli.client.live_query_client import LiveQueryClient

__all__ = ["FailoverConnector", "split_urls"]


def split_urls(text: str) -> list[str]:
    """``"ws://a, ws://b"`` -> ``["ws://a", "ws://b"]`` (empty items dropped)."""
    return [part.strip() for part in text.split(",") if part.strip()]


class FailoverConnector:
    """A connector that moves its client to the next URL after each failed attempt."""

    def __init__(self, urls: Sequence[str], connect: Connector) -> None:
        if not urls:
            raise ValueError("at least one LiveQuery URL is needed")
        self.urls = list(urls)
        self._connect = connect
        self._index = 0
        self._failed = False
        self.client: LiveQueryClient | None = None

    @property
    def current(self) -> str:
        return self.urls[self._index]

    async def __call__(self, url: str) -> Transport:
        # Advance at the next attempt, not at the failure: the client names the
        # URL that failed in its error, so ``server_url`` must still be that one.
        if self._failed:
            self._failed = False
            self._index = (self._index + 1) % len(self.urls)
            if self.client is not None:
                self.client.server_url = self.current
        try:
            return await self._connect(self.current)
        except Exception:
            self._failed = True
            raise
