"""The test rig itself: a real Parse Server with LiveQuery, reached by the official JS SDK.

If these fail, every Parse Server test in the suite is suspect, so they check
the rig's promises directly: REST writes land, LiveQuery publishes them to the
SDK, data survives a crash, and session tokens work in LiveQuery (the
``directAccess`` trap of Parse Server 9.10.0 is avoided).
"""

from __future__ import annotations

import pytest
from support.fixtures import ParseServer, ParseServerFactory, SdkTailFactory
from support.postgres import PostgresCluster
from support.redis import RedisServer
from support.rest_writer import ParseRestError, make_acl

pytestmark = pytest.mark.parse_server


def test_rest_create_reaches_js_sdk_subscriber(
    parse_server: ParseServer, sdk_tail: SdkTailFactory, unique_tag: str
) -> None:
    tail = sdk_tail(parse_server, "Game", {"tag": unique_tag})
    created = parse_server.rest.create("Game", {"tag": unique_tag, "score": 7})

    event = tail.next_event()

    assert event["op"] == "create"
    assert event["original"] is None
    obj = event["object"]
    assert obj["className"] == "Game"
    assert obj["objectId"] == created["objectId"]
    assert obj["createdAt"] == created["createdAt"]
    assert obj["updatedAt"] == created["createdAt"]
    assert (obj["tag"], obj["score"]) == (unique_tag, 7)


def test_update_event_carries_original(
    parse_server: ParseServer, sdk_tail: SdkTailFactory, unique_tag: str
) -> None:
    created = parse_server.rest.create("Player", {"tag": unique_tag, "score": 1})
    tail = sdk_tail(parse_server, "Player", {"tag": unique_tag})

    parse_server.rest.update("Player", created["objectId"], {"score": 2})
    event = tail.next_event()

    assert event["op"] == "update"
    assert event["object"]["score"] == 2
    assert event["original"]["score"] == 1
    assert event["original"]["objectId"] == created["objectId"]


def test_client_keys_are_enforced(parse_server: ParseServer) -> None:
    other_key = type(parse_server.rest)(
        parse_server.rest_url, parse_server.app_id, master_key="wrong", rest_key="wrong"
    )
    with pytest.raises(ParseRestError) as excinfo:
        other_key.find("Game", limit=1)
    assert excinfo.value.status == 403
    assert "wrong" not in str(excinfo.value)


def test_clients_cannot_create_classes_but_ensure_class_can(
    parse_server: ParseServer, unique_tag: str
) -> None:
    class_name = "Rig" + unique_tag.replace("-", "_")
    with pytest.raises(ParseRestError) as excinfo:
        parse_server.rest.create(class_name, {"x": 1})
    assert excinfo.value.code == 119  # OPERATION_FORBIDDEN

    parse_server.rest.ensure_class(class_name)
    parse_server.rest.ensure_class(class_name)  # idempotent
    assert parse_server.rest.create(class_name, {"x": 1})["objectId"]


def test_acl_object_reaches_owner_token_and_not_others(
    parse_server: ParseServer, sdk_tail: SdkTailFactory, unique_tag: str
) -> None:
    rest = parse_server.rest
    alice = rest.sign_up(f"alice-{unique_tag}", "pw-a")
    bob = rest.sign_up(f"bob-{unique_tag}", "pw-b")
    where = {"tag": unique_tag}
    alice_tail = sdk_tail(parse_server, "Secret", where, session_token=alice["sessionToken"])
    bob_tail = sdk_tail(parse_server, "Secret", where, session_token=bob["sessionToken"])
    master_tail = sdk_tail(parse_server, "Secret", where, master=True)

    hidden = rest.create(
        "Secret", {"tag": unique_tag, "n": 1}, acl=make_acl(readers=[alice["objectId"]])
    )
    public = rest.create("Secret", {"tag": unique_tag, "n": 2}, acl=make_acl(public_read=True))

    assert alice_tail.next_event()["object"]["objectId"] == hidden["objectId"]
    assert alice_tail.next_event()["object"]["objectId"] == public["objectId"]
    assert master_tail.next_event()["object"]["objectId"] == hidden["objectId"]
    # Bob's first event is the public object: the hidden one never reached him.
    assert bob_tail.next_event()["object"]["objectId"] == public["objectId"]


def test_kill_and_restart_keeps_port_and_data(
    parse_server_factory: ParseServerFactory, sdk_tail: SdkTailFactory, unique_tag: str
) -> None:
    server = parse_server_factory()
    created = server.rest.create("Note", {"tag": unique_tag})
    rest_url, pid = server.rest_url, server.pid

    server.kill()
    assert not server.running
    with pytest.raises(ParseRestError):
        server.rest.get("Note", created["objectId"])
    server.restart()

    assert server.rest_url == rest_url
    assert server.pid != pid
    assert server.rest.get("Note", created["objectId"])["tag"] == unique_tag
    tail = sdk_tail(server, "Note", {"tag": unique_tag})
    server.rest.update("Note", created["objectId"], {"n": 1})
    assert tail.next_event()["op"] == "update"


def test_secrets_stay_out_of_reprs(parse_server: ParseServer) -> None:
    for text in (repr(parse_server), repr(parse_server.rest)):
        assert parse_server.master_key not in text
    assert parse_server.master_key not in parse_server.log_path.read_text(errors="replace")


def test_two_nodes_share_events_through_redis(
    postgres: PostgresCluster,
    redis_server: RedisServer,
    parse_server_factory: ParseServerFactory,
    sdk_tail: SdkTailFactory,
    unique_tag: str,
) -> None:
    first = parse_server_factory(
        database_uri=postgres.create_database(), redis_url=redis_server.url
    )
    second = parse_server_factory(**first.peer_options())
    tail = sdk_tail(second, "Game", {"tag": unique_tag})

    created = first.rest.create("Game", {"tag": unique_tag})

    assert second.rest_url != first.rest_url
    assert tail.next_event()["object"]["objectId"] == created["objectId"]


def test_livequery_only_node_checks_tokens_through_rest_node(
    redis_server: RedisServer,
    parse_server_factory: ParseServerFactory,
    sdk_tail: SdkTailFactory,
    unique_tag: str,
) -> None:
    rest_node = parse_server_factory(redis_url=redis_server.url)
    live_node = parse_server_factory(
        **rest_node.peer_options(),
        livequery_only=True,
        server_url=rest_node.rest_url,
    )
    owner = rest_node.rest.sign_up(f"owner-{unique_tag}", "pw")
    tail = sdk_tail(live_node, "Secret", {"tag": unique_tag}, session_token=owner["sessionToken"])

    created = rest_node.rest.create(
        "Secret", {"tag": unique_tag}, acl=make_acl(readers=[owner["objectId"]])
    )

    assert tail.next_event()["object"]["objectId"] == created["objectId"]


def test_parse_accepts_revoked_token_but_hides_protected_objects(
    parse_server: ParseServer, sdk_tail: SdkTailFactory, unique_tag: str
) -> None:
    """Pins Parse Server 9.10.0's behaviour that clients must cope with.

    A subscription with an invalid session token is accepted (no error frame)
    and simply never receives objects the token's user could read; only a
    ``_Session`` subscription is refused with 209.
    """
    rest = parse_server.rest
    user = rest.sign_up(f"gone-{unique_tag}", "pw")
    token = user["sessionToken"]
    rest.revoke_session(token)
    with pytest.raises(ParseRestError) as excinfo:
        rest.me(token)
    assert excinfo.value.code == 209

    tail = sdk_tail(parse_server, "Secret", {"tag": unique_tag}, session_token=token)
    rest.create("Secret", {"tag": unique_tag, "n": 1}, acl=make_acl(readers=[user["objectId"]]))
    public = rest.create("Secret", {"tag": unique_tag, "n": 2}, acl=make_acl(public_read=True))
    assert tail.next_event()["object"]["objectId"] == public["objectId"]

    session_tail = sdk_tail(
        parse_server, "_Session", {}, session_token=token, wait_subscribed=False
    )
    assert session_tail.next_record() == {
        "kind": "error",
        "code": 209,
        "message": "Invalid session token",
    }
