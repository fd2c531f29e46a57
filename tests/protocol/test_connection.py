"""The sans-I/O client protocol, driven by recorded transcripts (no sockets, no clocks).

A transcript is a list of steps: ``("send", {...})`` is a frame the protocol
must have queued, ``("recv", {...})`` a server frame fed to it. Server frames
are shaped exactly as Parse Server 9 sends them (``clientId`` on everything).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from livequery_cli.exceptions import AuthError, InvalidStateError, QueryError, ServerError
from livequery_cli.protocol import (
    ClientProtocol,
    Connected,
    FrameError,
    ObjectEvent,
    ProtocolEvent,
    ServerErrorEvent,
    State,
    Subscribed,
    Unsubscribed,
)

CID = "7d1c2a52-2b0e-4b8e-9a43-2f4a1c0c0e11"
GAME = {"className": "Game", "where": {"score": {"$gt": 100}}}
OBJ = {"className": "Game", "objectId": "g1", "score": 150}
OLD = {"className": "Game", "objectId": "g1", "score": 120}


def sent(protocol: ClientProtocol) -> list[dict[str, Any]]:
    return [orjson.loads(text) for text in protocol.data_to_send()]


def recv(protocol: ClientProtocol, frame: dict[str, Any]) -> list[ProtocolEvent]:
    protocol.receive_text(orjson.dumps({**frame, "clientId": CID}))
    return protocol.events_received()


def connected(protocol: ClientProtocol) -> None:
    protocol.connection_made()
    sent(protocol)
    recv(protocol, {"op": "connected"})


def live(protocol: ClientProtocol, query: dict[str, Any] = GAME, token: str | None = None) -> int:
    rid = protocol.subscribe(query, token)
    sent(protocol)
    recv(protocol, {"op": "subscribed", "requestId": rid})
    return rid


def test_transcript_connect_subscribe_events_unsubscribe() -> None:
    p = ClientProtocol("app", javascript_key="js", session_token="r:conn")
    assert p.state is State.INITIALIZED
    p.connection_made()
    assert p.state is State.CONNECTING
    assert sent(p) == [
        {"op": "connect", "applicationId": "app", "javascriptKey": "js", "sessionToken": "r:conn"}
    ]
    rid = p.subscribe(GAME, "r:sub")
    assert sent(p) == []  # not before `connected`: Parse would answer code 2
    assert recv(p, {"op": "connected"}) == [Connected(CID)]
    assert p.state is State.CONNECTED
    assert sent(p) == [
        {"op": "subscribe", "requestId": rid, "query": GAME, "sessionToken": "r:sub"}
    ]
    assert recv(p, {"op": "subscribed", "requestId": rid}) == [Subscribed(rid, first=True)]
    assert recv(p, {"op": "create", "requestId": rid, "object": OBJ}) == [
        ObjectEvent(rid, "create", OBJ, None)
    ]
    for op in ("update", "enter", "leave"):
        assert recv(p, {"op": op, "requestId": rid, "object": OBJ, "original": OLD}) == [
            ObjectEvent(rid, op, OBJ, OLD)  # type: ignore[arg-type]
        ]
    assert recv(p, {"op": "delete", "requestId": rid, "object": OBJ}) == [
        ObjectEvent(rid, "delete", OBJ, None)
    ]
    p.unsubscribe(rid)
    assert sent(p) == [{"op": "unsubscribe", "requestId": rid}]
    # events already in flight before `unsubscribed` are dropped, not errors
    assert recv(p, {"op": "create", "requestId": rid, "object": OBJ}) == []
    assert recv(p, {"op": "unsubscribed", "requestId": rid}) == [Unsubscribed(rid)]
    assert p.request_ids == []


def test_request_ids_are_never_reused() -> None:
    p = ClientProtocol("app")
    connected(p)
    first = live(p)
    p.unsubscribe(first)
    recv(p, {"op": "unsubscribed", "requestId": first})
    assert live(p) == first + 1


def test_reconnect_resubscribes_every_live_subscription_with_its_own_token() -> None:
    p = ClientProtocol("app", master_key="mk")
    connected(p)
    a = live(p, GAME, "r:alice")
    b = live(p, {"className": "Player", "where": {}, "keys": ["name"]}, None)
    p.connection_lost(ConnectionResetError())
    assert p.state is State.RECONNECTING
    assert p.events_received() == []
    assert not p.is_live(a)
    p.connection_made()
    assert sent(p) == [{"op": "connect", "applicationId": "app", "masterKey": "mk"}]
    recv(p, {"op": "connected"})
    assert sent(p) == [
        {"op": "subscribe", "requestId": a, "query": GAME, "sessionToken": "r:alice"},
        {
            "op": "subscribe",
            "requestId": b,
            "query": {"className": "Player", "where": {}, "keys": ["name"]},
        },
    ]
    assert recv(p, {"op": "subscribed", "requestId": a}) == [Subscribed(a, first=False)]
    assert recv(p, {"op": "subscribed", "requestId": b}) == [Subscribed(b, first=False)]


def test_a_subscribe_never_confirmed_is_sent_again_and_reported_as_first() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = p.subscribe(GAME)
    sent(p)
    p.connection_lost(None)
    p.connection_made()
    sent(p)
    recv(p, {"op": "connected"})
    assert [f["op"] for f in sent(p)] == ["subscribe"]
    assert recv(p, {"op": "subscribed", "requestId": rid}) == [Subscribed(rid, first=True)]


def test_update_replaces_the_query_and_is_used_for_resubscribes() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = live(p, GAME, "r:t")
    new = {"className": "Game", "where": {"score": {"$lt": 5}}}
    assert p.update(rid, new) == 1
    assert sent(p) == [{"op": "update", "requestId": rid, "query": new, "sessionToken": "r:t"}]
    assert recv(p, {"op": "subscribed", "requestId": rid}) == [Subscribed(rid, False, 1)]
    p.connection_lost(None)
    p.connection_made()
    sent(p)
    recv(p, {"op": "connected"})
    assert sent(p)[0]["query"] == new


def test_update_while_subscribe_is_in_flight_waits_for_the_confirmation() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = p.subscribe(GAME)
    sent(p)
    new = {"className": "Game", "where": {"a": 1}}
    p.update(rid, new)
    assert sent(p) == []  # Parse would reorder an unsubscribe+subscribe against it
    assert recv(p, {"op": "subscribed", "requestId": rid}) == [Subscribed(rid, True, 0)]
    assert sent(p) == [{"op": "update", "requestId": rid, "query": new}]
    assert recv(p, {"op": "subscribed", "requestId": rid}) == [Subscribed(rid, False, 1)]


def test_update_cannot_change_the_class() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = live(p)
    with pytest.raises(InvalidStateError, match="className"):
        p.update(rid, {"className": "Player", "where": {}})


def test_unsubscribe_while_subscribe_is_in_flight_is_sent_after_the_confirmation() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = p.subscribe(GAME)
    sent(p)
    p.unsubscribe(rid)
    assert sent(p) == []
    assert recv(p, {"op": "subscribed", "requestId": rid}) == [Subscribed(rid, True, 0)]
    assert sent(p) == [{"op": "unsubscribe", "requestId": rid}]
    assert recv(p, {"op": "unsubscribed", "requestId": rid}) == [Unsubscribed(rid)]


def test_unsubscribe_while_disconnected_is_immediate_and_not_resubscribed() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = live(p)
    p.connection_lost(None)
    p.unsubscribe(rid)
    assert p.events_received() == [Unsubscribed(rid)]
    p.connection_made()
    sent(p)
    recv(p, {"op": "connected"})
    assert sent(p) == []


def test_unsubscribe_pending_when_the_socket_dies_completes_with_it() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = live(p)
    p.unsubscribe(rid)
    sent(p)
    p.connection_lost(None)
    assert p.events_received() == [Unsubscribed(rid)]


def test_error_without_reconnect_ends_the_subscription_for_good() -> None:
    p = ClientProtocol("app")
    connected(p)
    keep = live(p)
    rid = p.subscribe({"className": "_Session", "where": {}}, "r:bad")
    sent(p)
    [event] = recv(
        p,
        {
            "op": "error",
            "code": 209,
            "error": "Invalid session token",
            "reconnect": False,
            "requestId": rid,
        },
    )
    assert isinstance(event, ServerErrorEvent)
    assert event.fatal
    assert event.request_id == rid
    assert isinstance(event.error, AuthError)
    assert (event.error.code, event.error.reconnect, event.error.request_id) == (209, False, rid)
    assert p.request_ids == [keep]
    p.connection_lost(None)
    p.connection_made()
    sent(p)
    recv(p, {"op": "connected"})
    assert [f["requestId"] for f in sent(p)] == [keep]  # never retried


def test_a_retryable_error_for_a_live_subscription_is_only_reported() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = live(p)
    [event] = recv(p, {"op": "error", "code": 2, "error": "x", "reconnect": True, "requestId": rid})
    assert isinstance(event, ServerErrorEvent)
    assert not event.fatal
    assert p.is_live(rid)


def test_a_key_rejection_while_connecting_is_final_even_with_reconnect_true() -> None:
    p = ClientProtocol("app", javascript_key="wrong")
    p.connection_made()
    sent(p)
    p.subscribe(GAME)
    [event] = recv(
        p, {"op": "error", "code": 4, "error": "Key in request is not valid", "reconnect": True}
    )
    assert isinstance(event, ServerErrorEvent)
    assert isinstance(event.error, AuthError)
    assert event.fatal
    assert event.request_id is None
    assert p.state is State.DISCONNECTED
    with pytest.raises(InvalidStateError):
        p.subscribe(GAME)


def test_a_transient_error_while_connecting_asks_for_a_new_socket() -> None:
    p = ClientProtocol("app")
    p.connection_made()
    sent(p)
    [event] = recv(p, {"op": "error", "code": 1, "error": "busy", "reconnect": True})
    assert isinstance(event, ServerErrorEvent)
    assert event.retry
    assert not event.fatal
    assert p.state is State.CONNECTING


def test_a_connection_error_without_reconnect_ends_the_connection() -> None:
    p = ClientProtocol("app")
    connected(p)
    live(p)
    [event] = recv(
        p, {"op": "error", "code": 141, "error": "rejected", "reconnect": False, "requestId": None}
    )
    assert isinstance(event, ServerErrorEvent)
    assert event.fatal
    assert type(event.error) is ServerError
    assert p.state is State.DISCONNECTED
    assert p.request_ids == []


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("not json at all", "not valid JSON"),
        ('{"op":"surprise"}', "unknown op"),
        ('{"op":"create","requestId":99,"object":{}}', "unknown requestId 99"),
        ('{"op":"subscribed","requestId":99}', "unknown requestId 99"),
        ('{"op":"unsubscribed","requestId":99}', "unknown requestId 99"),
        ('{"op":"connected"}', "unexpected 'connected'"),
    ],
)
def test_malformed_and_unknown_frames_become_frame_errors_and_change_nothing(
    frame: str, reason: str
) -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = live(p)
    p.receive_text(frame)
    [event] = p.events_received()
    assert isinstance(event, FrameError)
    assert reason in str(event.error)
    assert p.state is State.CONNECTED
    assert p.is_live(rid)


def test_subscribe_validates_the_query_shape_before_sending() -> None:
    p = ClientProtocol("app")
    for bad in (
        {"where": {}},
        {"className": "Game"},
        {"className": "Game", "where": {}, "keys": []},
        {"className": "Game", "where": {}, "fields": ["a"]},
        {"className": "Game", "where": {}, "watch": "a"},
    ):
        with pytest.raises(QueryError):
            p.subscribe(bad)
    assert p.request_ids == []


def test_close_drops_everything_and_refuses_more_work() -> None:
    p = ClientProtocol("app")
    connected(p)
    live(p)
    p.close()
    assert p.state is State.CLOSED
    assert p.request_ids == []
    assert p.data_to_send() == []
    p.receive_text('{"op":"create","requestId":1,"object":{}}')
    assert p.events_received() == []
    with pytest.raises(InvalidStateError):
        p.subscribe(GAME)
    with pytest.raises(InvalidStateError):
        p.connection_made()


def test_give_up_makes_the_state_final() -> None:
    p = ClientProtocol("app")
    connected(p)
    live(p)
    p.connection_lost(None)
    p.give_up()
    assert p.state is State.DISCONNECTED
    assert p.request_ids == []


def test_an_update_changing_the_token_drops_events_until_confirmed() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = live(p, GAME, "r:alice")
    p.update(rid, GAME, session_token="r:bob")
    assert sent(p) == [{"op": "update", "requestId": rid, "query": GAME, "sessionToken": "r:bob"}]
    # computed for alice before the server switched: never delivered
    assert recv(p, {"op": "create", "requestId": rid, "object": OBJ}) == []
    assert recv(p, {"op": "subscribed", "requestId": rid}) == [Subscribed(rid, False, 1)]
    assert recv(p, {"op": "create", "requestId": rid, "object": OBJ}) == [
        ObjectEvent(rid, "create", OBJ, None)
    ]
    p.connection_lost(None)
    p.connection_made()
    sent(p)
    recv(p, {"op": "connected"})
    assert sent(p)[0]["sessionToken"] == "r:bob"


def test_an_update_to_no_token_makes_the_subscription_anonymous() -> None:
    p = ClientProtocol("app")
    connected(p)
    rid = live(p, GAME, "r:alice")
    p.update(rid, GAME, session_token=None)
    assert sent(p) == [{"op": "update", "requestId": rid, "query": GAME}]
