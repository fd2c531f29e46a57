"""``SubscriptionState``: what ``ClientProtocol`` tracks for one subscription.

Kept apart from the state machine so each stays readable; only
``livequery_cli.protocol.connection`` reads and writes these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["SubscriptionState"]


@dataclass(slots=True)
class SubscriptionState:
    request_id: int
    query: dict[str, Any]
    session_token: str | None = field(repr=False)
    version: int = 0  # bumped by every update(); sent_version tells what the server has
    sent_version: int = -1
    in_flight: bool = False  # a subscribe/update is sent and unconfirmed
    live: bool = False
    confirmed_once: bool = False
    unsubscribe_requested: bool = False
    unsubscribe_sent: bool = False
    # An update that changes the session token is in flight: events still
    # arriving were computed for the previous identity and are dropped.
    identity_changing: bool = False
