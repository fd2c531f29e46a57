"""Parse Server's LiveQuery messages: what is accepted, what is malformed, the round trip."""

from __future__ import annotations

import orjson
import pytest

from livequery_cli.server.cluster.parse_messages import (
    AFTER_DELETE,
    AFTER_SAVE,
    CLEAR_CACHE,
    ClearCache,
    MalformedMessage,
    ObjectChange,
    channels,
    decode,
    encode_delete,
    encode_save,
)

# As Parse Server 9.10 publishes it (ParseCloudCodePublisher, _toFullJSON).
PARSE_SAVE = {
    "currentParseObject": {
        "score": 7,
        "objectId": "a1",
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:01.000Z",
        "ACL": {"*": {"read": True}},
        "__type": "Object",
        "className": "Game",
    },
    "originalParseObject": {"score": 1, "objectId": "a1", "__type": "Object", "className": "Game"},
    "classLevelPermissions": {"find": {"*": True}, "protectedFields": {"*": []}},
}


def test_channels_are_named_after_the_app_id() -> None:
    assert channels("app") == {
        "appafterSave": AFTER_SAVE,
        "appafterDelete": AFTER_DELETE,
        "appclearCache": CLEAR_CACHE,
    }


def test_a_parse_save_decodes_to_stored_form() -> None:
    change = decode(AFTER_SAVE, orjson.dumps(PARSE_SAVE))
    assert isinstance(change, ObjectChange)
    assert change.class_name == "Game"
    assert change.current["score"] == 7
    assert "__type" not in change.current
    assert "className" not in change.current
    assert change.original == {"score": 1, "objectId": "a1"}
    assert change.clp == PARSE_SAVE["classLevelPermissions"]


def test_clear_cache() -> None:
    assert decode(CLEAR_CACHE, b'{"userId":"u1"}') == ClearCache("u1")


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1,2]",
        b"{}",
        b'{"currentParseObject": 3}',
        b'{"currentParseObject": {"objectId": "x"}}',
        b'{"currentParseObject": {"className": "Game"}}',
        b'{"currentParseObject": {"className": "1bad", "objectId": "x"}}',
        b'{"currentParseObject": {"className": "Game", "objectId": "x", "ACL": 5}}',
        b'{"currentParseObject": {"className": "Game", "objectId": "x"},'
        b' "originalParseObject": {"className": "Other", "objectId": "x"}}',
        b'{"currentParseObject": {"className": "Game", "objectId": "x"},'
        b' "classLevelPermissions": []}',
    ],
)
def test_malformed_messages_are_refused(payload: bytes) -> None:
    with pytest.raises(MalformedMessage):
        decode(AFTER_SAVE, payload)


def test_clear_cache_with_a_bad_user_id_is_malformed() -> None:
    with pytest.raises(MalformedMessage):
        decode(CLEAR_CACHE, b'{"userId": 5}')


def test_encode_round_trips() -> None:
    current = {"objectId": "a1", "score": 2}
    change = decode(AFTER_SAVE, encode_save("Game", {"objectId": "a1"}, current, {"find": {}}))
    assert isinstance(change, ObjectChange)
    assert (change.current, change.original, change.clp) == (
        current,
        {"objectId": "a1"},
        {"find": {}},
    )
    deleted = decode(AFTER_DELETE, encode_delete("Game", current, None))
    assert isinstance(deleted, ObjectChange)
    assert deleted.original is None
    assert deleted.clp is None
    assert orjson.loads(encode_save("Game", None, current, None))["currentParseObject"] == {
        "__type": "Object",
        "className": "Game",
        **current,
    }
