"""The LiveQuery protocol without I/O: frames, their codec and the client state machine."""

from __future__ import annotations

from livequery_cli.protocol.connection import ClientProtocol, State
from livequery_cli.protocol.events import (
    Connected,
    FrameError,
    ObjectEvent,
    ProtocolEvent,
    ServerErrorEvent,
    Subscribed,
    Unsubscribed,
)
from livequery_cli.protocol.frames import decode_server_frame, encode
from livequery_cli.protocol.subscribe_query import validate_subscribe_query

__all__ = [
    "ClientProtocol",
    "Connected",
    "FrameError",
    "ObjectEvent",
    "ProtocolEvent",
    "ServerErrorEvent",
    "State",
    "Subscribed",
    "Unsubscribed",
    "decode_server_frame",
    "encode",
    "validate_subscribe_query",
]
