"""Parse's class-level rules as the cluster node applies them (CLP, pointer perms, protected)."""

from __future__ import annotations

import pytest

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.server.cluster.permissions import (
    PermissionDenied,
    check_subscribe,
    event_allowed,
    operation,
    protected_fields,
)


def test_operation_is_get_only_for_an_objectid_query() -> None:
    assert operation({"objectId": "x"}) == "get"
    assert operation({"objectId": "x", "a": 1}) == "find"
    assert operation({"objectId": {"$in": ["x"]}}) == "find"


def test_no_clp_or_public_find_allows_everyone() -> None:
    check_subscribe(None, "find", None)
    check_subscribe({"find": {"*": True}}, "find", None)


def test_locked_class_refuses_with_119() -> None:
    with pytest.raises(PermissionDenied) as caught:
        check_subscribe({"find": {}}, "find", "u1")
    assert caught.value.code == ErrorCode.OPERATION_FORBIDDEN


def test_user_specific_find() -> None:
    clp = {"find": {"u1": True}}
    check_subscribe(clp, "find", "u1")
    with pytest.raises(PermissionDenied):
        check_subscribe(clp, "find", "u2")


def test_requires_authentication_refuses_anonymous_with_101() -> None:
    clp = {"find": {"requiresAuthentication": True}}
    check_subscribe(clp, "find", "u1")
    with pytest.raises(PermissionDenied) as caught:
        check_subscribe(clp, "find", None)
    assert caught.value.code == ErrorCode.OBJECT_NOT_FOUND


def test_read_user_fields_filter_events_by_pointer() -> None:
    clp = {"find": {}, "get": {}, "readUserFields": ["owner"]}
    check_subscribe(clp, "find", None)  # deferred to the events, as Parse does
    mine = {"owner": {"__type": "Pointer", "className": "_User", "objectId": "u1"}}
    listed = {"owner": [{"__type": "Pointer", "className": "_User", "objectId": "u1"}]}
    assert event_allowed(clp, "find", "u1", mine)
    assert event_allowed(clp, "find", "u1", listed)
    assert not event_allowed(clp, "find", "u2", mine)
    assert not event_allowed(clp, "find", None, mine)
    assert event_allowed({**clp, "find": {"*": True}}, "find", None, mine)


def test_protected_fields_intersect_the_applicable_sets() -> None:
    clp = {
        "protectedFields": {
            "*": ["secret", "phone"],
            "authenticated": ["secret"],
            "role:staff": [],
        }
    }
    assert protected_fields(clp, "Doc", {}, None, frozenset()) == {"secret", "phone"}
    assert protected_fields(clp, "Doc", {}, "u1", frozenset()) == {"secret"}
    assert protected_fields(clp, "Doc", {}, "u1", frozenset({"staff"})) == set()
    assert protected_fields({"protectedFields": {"*": []}}, "Doc", {}, None, frozenset()) == set()


def test_a_user_sees_its_own_protected_user_fields() -> None:
    clp = {"protectedFields": {"*": ["phone"]}}
    assert protected_fields(clp, "_User", {"objectId": "u1"}, "u1", frozenset()) == set()
    assert protected_fields(clp, "_User", {"objectId": "u1"}, "u2", frozenset()) == {"phone"}
