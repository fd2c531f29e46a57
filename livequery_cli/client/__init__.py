"""The asyncio client: ``LiveQueryClient``, subscriptions, the standard API, users and REST.

Layers, bottom up: ``transports/`` (the socket behind a three-method
interface), ``socket_runner`` (one socket's life and the reconnect loop, timed
by the pure ``backoff`` generator), ``live_query_client`` (the sans-I/O
``protocol`` driven over it, ``pending`` requests, ``emitter`` callbacks,
``subscription`` iterators), then the JS-SDK-shaped API above it:
``standard`` (``configure``, the shared ``LiveQuery``), ``query``, ``user`` and
``rest``. Nothing here imports ``livequery_cli.cli`` or
``livequery_cli.server`` (a test checks it).

``from livequery_cli.client import LiveQueryClient`` works; names are imported
on first use, so importing one module of the package does not load the others.
"""

from __future__ import annotations

from livequery_cli.lazy_exports import lazy_exports

# Not ``typing.TYPE_CHECKING``: see ``livequery_cli/__init__.py``.
TYPE_CHECKING = False

_EXPORTS: dict[str, str] = {
    "LiveQueryClient": "livequery_cli.client.live_query_client",
    "Subscription": "livequery_cli.client.subscription",
    "Event": "livequery_cli.client.subscription",
}

__all__ = ["Event", "LiveQueryClient", "Subscription"]

if TYPE_CHECKING:
    from livequery_cli.client.live_query_client import LiveQueryClient
    from livequery_cli.client.subscription import Event, Subscription

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
