"""``include``, ``keys`` into included objects and ``excludeKeys``, as Parse Server 9 answers them.

Every test runs against Parse Server 9 (rig) and ``lq serve``; the expected
answers are Parse Server 9's (note: an included pointer the caller may not
read is removed, field and array element alike, and ``users/me`` ignores
``include``).
"""

from __future__ import annotations

from typing import Any

import pytest
from support.compat_rest import Scene, ptr

T = "T"


def _obj(class_name: str, name: str, **fields: Any) -> dict[str, Any]:
    """An included object as normalised answers show it."""
    return {"__type": "Object", "className": class_name, "objectId": name,
            "createdAt": T, "updatedAt": T, **fields}  # fmt: skip


@pytest.fixture
def scene(server: Any) -> Scene:
    """Two users; ``alice`` (Player) readable only by ``u1``, ``bob`` public; a post, a comment."""
    s = Scene(server.rest)
    s.user("u1")
    s.user("u2")
    alice = s.add("alice", "Player", {"nick": "alice", "side": "red"},
                  acl={s.ids["u1"]: {"read": True}})  # fmt: skip
    bob = s.add("bob", "Player", {"nick": "bob", "side": "blue"})
    post = s.add("post", "Post", {
        "topic": "t1", "rank": 1, "writer": ptr("Player", alice),
        "cast": [ptr("Player", alice), ptr("Player", bob), 5],
    })  # fmt: skip
    s.add("comment", "Comment", {"words": "hi", "onPost": ptr("Post", post)})
    return s


ALICE = _obj("Player", "alice", nick="alice", side="red", ACL={"u1": {"read": True}})
BOB = _obj("Player", "bob", nick="bob", side="blue")


def test_include_replaces_pointers_and_arrays_of_pointers(scene: Scene) -> None:
    answer = scene.find("Post", include="writer,cast", token=scene.tokens["u1"])
    assert answer == {"results": [{
        "objectId": "post", "createdAt": T, "updatedAt": T, "topic": "t1", "rank": 1,
        "writer": ALICE, "cast": [ALICE, BOB, 5],
    }]}  # fmt: skip


def test_unreadable_included_object_is_removed_as_parse_does(scene: Scene) -> None:
    answer = scene.find("Post", include="writer,cast", token=scene.tokens["u2"])
    assert answer == {"results": [{
        "objectId": "post", "createdAt": T, "updatedAt": T, "topic": "t1", "rank": 1,
        "cast": [BOB, 5],
    }]}  # fmt: skip
    anonymous = scene.get(f"classes/Post/{scene.ids['post']}", include="writer")
    assert "writer" not in anonymous
    assert anonymous["cast"][0] == {"__type": "Pointer", "className": "Player", "objectId": "alice"}


def test_include_dotted_path_includes_every_step(scene: Scene) -> None:
    answer = scene.find("Comment", include="onPost.writer", token=scene.tokens["u1"])
    post = answer["results"][0]["onPost"]
    assert post["__type"] == "Object"
    assert post["className"] == "Post"
    assert post["writer"] == ALICE
    # cast was not asked for: it stays pointers
    assert post["cast"][1] == {"__type": "Pointer", "className": "Player", "objectId": "bob"}


def test_include_star_and_include_all(scene: Scene) -> None:
    token = scene.tokens["u1"]
    star = scene.find("Post", include="*", token=token)
    every = scene.find("Post", includeAll="true", token=token)
    assert star == every
    assert star["results"][0]["writer"] == ALICE
    assert star["results"][0]["cast"] == [ALICE, BOB, 5]


def test_keys_reach_into_included_objects(scene: Scene) -> None:
    token = scene.tokens["u1"]
    answer = scene.find("Comment", keys="onPost.topic", token=token)
    assert answer == {"results": [{
        "objectId": "comment", "createdAt": T, "updatedAt": T,
        "onPost": _obj("Post", "post", topic="t1"),
    }]}  # fmt: skip
    deep = scene.find("Comment", keys="onPost.writer.nick", include="onPost", token=token)
    assert deep["results"][0]["onPost"] == _obj("Post", "post", writer=_obj(
        "Player", "alice", nick="alice", ACL={"u1": {"read": True}}))  # fmt: skip


def test_get_with_include(scene: Scene) -> None:
    token = scene.tokens["u1"]
    got = scene.get(f"classes/Comment/{scene.ids['comment']}", include="onPost.cast", token=token)
    assert got["words"] == "hi"
    assert got["onPost"]["cast"] == [ALICE, BOB, 5]
    assert got["onPost"]["writer"] == {
        "__type": "Pointer",
        "className": "Player",
        "objectId": "alice",
    }


def test_exclude_keys_on_find_get_and_included_objects(scene: Scene) -> None:
    token = scene.tokens["u1"]
    answer = scene.find("Comment", excludeKeys="words,objectId", token=token)
    assert answer == {"results": [{
        "objectId": "comment", "createdAt": T, "updatedAt": T,
        "onPost": {"__type": "Pointer", "className": "Post", "objectId": "post"},
    }]}  # fmt: skip
    got = scene.get(f"classes/Post/{scene.ids['post']}", excludeKeys="cast,rank", token=token)
    writer = {"__type": "Pointer", "className": "Player", "objectId": "alice"}
    assert got == {
        "objectId": "post",
        "createdAt": T,
        "updatedAt": T,
        "topic": "t1",
        "writer": writer,
    }
    nested = scene.find("Comment", excludeKeys="onPost.cast,onPost.writer", token=token)
    assert nested["results"][0]["onPost"] == _obj("Post", "post", topic="t1", rank=1)
    assert nested["results"][0]["words"] == "hi"


def test_users_get_includes_but_users_me_ignores_include(server: Any) -> None:
    scene = Scene(server.rest)
    token = scene.user("me")
    bob = scene.add("bob", "Player", {"nick": "bob"})
    server.rest.update("_User", scene.ids["me"], {"buddy": ptr("Player", bob)}, session_token=token)
    own = scene.get(f"users/{scene.ids['me']}", include="buddy", token=token)
    assert own["buddy"] == _obj("Player", "bob", nick="bob")
    me = scene.get("users/me", include="buddy", token=token)
    assert me["buddy"] == {"__type": "Pointer", "className": "Player", "objectId": "bob"}


def test_relation_fields_appear_on_every_object_whatever_keys_say(server: Any) -> None:
    scene = Scene(server.rest)
    member = scene.add("bob", "Player", {"nick": "bob"})
    fans = {"__op": "AddRelation", "objects": [ptr("Player", member)]}
    scene.add("with_fans", "Post", {"rank": 1, "fans": fans})
    plain = scene.add("plain", "Post", {"rank": 2})
    relation = {"__type": "Relation", "className": "Player"}
    for answer in (
        server.rest.request("GET", f"classes/Post/{plain}"),
        server.rest.request("GET", f"classes/Post/{plain}", params={"keys": "rank"}),
        server.rest.request("GET", f"classes/Post/{plain}", params={"excludeKeys": "fans"}),
        server.rest.find("Post", {"objectId": plain}, keys=["rank"])[0],
    ):
        assert answer["fans"] == relation
