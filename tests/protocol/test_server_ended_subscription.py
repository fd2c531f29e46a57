"""The client protocol when the server ends a subscription on its own (``unsubscribed``).

``lq serve`` ends the subscriptions of a session that ends with an
``unsubscribed`` frame that carries ``code``/``error`` (209): the protocol
reports it like an error without reconnect (a final ``AuthError`` for that
subscription, never resubscribed). Without a code it is a plain end.
"""

from __future__ import annotations

from typing import Any

import orjson

from livequery_cli.exceptions import AuthError
from livequery_cli.protocol import ClientProtocol, ServerErrorEvent, Unsubscribed
from livequery_cli.protocol.frames import UnsubscribedFrame, decode_server_frame

CID = "7d1c2a52-2b0e-4b8e-9a43-2f4a1c0c0e11"
GAME = {"className": "Game", "where": {}}


def _sent(protocol: ClientProtocol) -> list[dict[str, Any]]:
    return [orjson.loads(text) for text in protocol.data_to_send()]


def _recv(protocol: ClientProtocol, frame: dict[str, Any]) -> list[Any]:
    protocol.receive_text(orjson.dumps({**frame, "clientId": CID}))
    return protocol.events_received()


def _live(protocol: ClientProtocol) -> int:
    rid = protocol.subscribe(GAME, "r:token")
    _sent(protocol)
    _recv(protocol, {"op": "subscribed", "requestId": rid})
    return rid


def _connected() -> ClientProtocol:
    protocol = ClientProtocol("app")
    protocol.connection_made()
    _sent(protocol)
    _recv(protocol, {"op": "connected"})
    return protocol


def test_the_frame_keeps_the_reason() -> None:
    text = orjson.dumps(
        {
            "op": "unsubscribed",
            "clientId": "c",
            "requestId": 3,
            "code": 209,
            "error": "Invalid session token",
        }
    ).decode()
    assert decode_server_frame(text) == UnsubscribedFrame(3, "c", 209, "Invalid session token")
    assert decode_server_frame('{"op":"unsubscribed","requestId":3}') == UnsubscribedFrame(3)


def test_an_end_with_a_reason_is_a_final_error_for_that_subscription() -> None:
    protocol = _connected()
    keep = _live(protocol)
    ended = _live(protocol)
    frame = {
        "op": "unsubscribed",
        "requestId": ended,
        "code": 209,
        "error": "Invalid session token",
    }
    [event] = _recv(protocol, frame)
    assert isinstance(event, ServerErrorEvent)
    assert (event.request_id, event.fatal) == (ended, True)
    assert isinstance(event.error, AuthError)
    assert (event.error.code, event.error.reconnect) == (209, False)
    assert protocol.request_ids == [keep]
    protocol.connection_lost(None)
    protocol.connection_made()
    _sent(protocol)
    _recv(protocol, {"op": "connected"})
    assert [f["requestId"] for f in _sent(protocol)] == [keep]  # never resubscribed


def test_an_end_without_a_reason_is_a_plain_end() -> None:
    protocol = _connected()
    rid = _live(protocol)
    assert _recv(protocol, {"op": "unsubscribed", "requestId": rid}) == [Unsubscribed(rid)]
    assert protocol.request_ids == []
