"""The synchronous API: ``from livequery_cli.sync import connect`` (see ``blocking_client``).

Not the gap-free subscriptions: those are ``livequery_cli.synced``.
"""

from __future__ import annotations

from livequery_cli.sync.blocking_client import Client, Subscription, connect

__all__ = ["Client", "Subscription", "connect"]
