"""What the sans-I/O ``ClientProtocol`` reports after digesting server frames.

These are protocol facts, not user-facing emitter events: the asyncio layer
turns them into ``open``/``create``/``error``... emissions, resolves awaiting
callers and decides when to drop the socket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias

from livequery_cli.exceptions import ProtocolError, ServerError
from livequery_cli.protocol.frames import ObjectOp

__all__ = [
    "Connected",
    "FrameError",
    "ObjectEvent",
    "ProtocolEvent",
    "ServerErrorEvent",
    "Subscribed",
    "Unsubscribed",
]


@dataclass(frozen=True, slots=True)
class Connected:
    """The server accepted ``connect``; resubscribes (if any) are queued."""

    client_id: str | int | None


@dataclass(frozen=True, slots=True)
class Subscribed:
    """A subscription is live on the server.

    ``first`` is True only for the confirmation of the original ``subscribe``
    (the one a caller awaits); resubscribes after a reconnect and confirmed
    ``update`` requests report False. ``query_version`` is the version of the
    query the server now runs (0, then one more per ``update``), so callers
    awaiting an update know when it took effect.
    """

    request_id: int
    first: bool
    query_version: int = 0


@dataclass(frozen=True, slots=True)
class Unsubscribed:
    """A subscription is gone, because the server confirmed it or the socket died."""

    request_id: int


class ObjectEvent(NamedTuple):
    """An object event for a live subscription.

    A named tuple rather than a frozen dataclass: one is built per event, and
    a tuple is several times cheaper to make.
    """

    request_id: int
    op: ObjectOp
    object: dict[str, Any]
    original: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class ServerErrorEvent:
    """An ``error`` frame.

    ``request_id`` None means the error concerns the connection. ``fatal``
    means the subscription (or the connection) is over and will not be
    retried. ``retry`` means the socket should be dropped and re-established
    with backoff (an error while connecting that the server says is
    transient).
    """

    error: ServerError
    request_id: int | None
    fatal: bool
    retry: bool = False


@dataclass(frozen=True, slots=True)
class FrameError:
    """A frame we could not use: malformed, unknown op, or an unknown requestId."""

    error: ProtocolError


ProtocolEvent: TypeAlias = (
    "Connected | Subscribed | Unsubscribed | ObjectEvent | ServerErrorEvent | FrameError"
)
