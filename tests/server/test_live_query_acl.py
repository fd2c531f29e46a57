"""Who receives which LiveQuery event: ACLs, roles, master key, ACL transitions, logout.

Silence is proven with a marker: after a write that must reach nobody, a
public marker object is created; the next frame each subscriber gets must be
that marker's ``create``, so nothing was delivered in between.
"""

from __future__ import annotations

from typing import Any

from support.lq_harness import Harness, Live

TAG = "acl"


async def _marker(harness: Harness, *lives: Live) -> None:
    await harness.rest.create("Secret", {"tag": TAG, "marker": True})
    for live in lives:
        frame = await live.recv()
        assert frame["op"] == "create", frame
        assert frame["object"].get("marker") is True, frame


class World:
    """Two users, a role holding alice, and one subscriber of each kind."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.rest = harness.rest

    async def setup(self) -> World:
        self.alice = await self.rest.sign_up("alice")
        self.bob = await self.rest.sign_up("bob")
        self.team = await self.rest.role("team", users=[self.alice["objectId"]])
        where = {"tag": TAG}
        self.anon = await self.harness.live()
        self.alice_conn = await self.harness.live(sessionToken=self.alice["sessionToken"])
        self.alice_sub = await self.harness.live()
        self.bob_live = await self.harness.live(sessionToken=self.bob["sessionToken"])
        self.master = await self.harness.live(masterKey=self.harness.server.config.master_key)
        for live in (self.anon, self.alice_conn, self.bob_live, self.master):
            assert (await live.subscribe(1, "Secret", where))["op"] == "subscribed"
        answer = await self.alice_sub.subscribe(
            1, "Secret", where, sessionToken=self.alice["sessionToken"]
        )
        assert answer["op"] == "subscribed"
        return self

    @property
    def everyone(self) -> list[Live]:
        return [self.anon, self.alice_conn, self.alice_sub, self.bob_live, self.master]

    @property
    def alices(self) -> list[Live]:
        return [self.alice_conn, self.alice_sub]

    def acl(self, *names: str) -> dict[str, Any]:
        return {name: {"read": True, "write": True} for name in names}


async def test_create_update_delete_reach_only_readers(harness: Harness) -> None:
    w = await World(harness).setup()
    alice_id = w.alice["objectId"]
    for acl in (w.acl(alice_id), w.acl("role:team")):
        oid = (await w.rest.create("Secret", {"tag": TAG, "v": 1, "ACL": acl}))["objectId"]
        for live in [*w.alices, w.master]:
            frame = await live.recv()
            assert (frame["op"], frame["object"]["objectId"]) == ("create", oid)
        await w.rest.update("Secret", oid, {"v": 2}, master=True)
        for live in [*w.alices, w.master]:
            assert (await live.recv())["op"] == "update"
        await w.rest.delete("Secret", oid, master=True)
        for live in [*w.alices, w.master]:
            assert (await live.recv())["op"] == "delete"
        await _marker(harness, *w.everyone)


async def test_losing_read_access_sends_leave_without_the_new_body(harness: Harness) -> None:
    w = await World(harness).setup()
    oid = (await w.rest.create("Secret", {"tag": TAG, "text": "public"}))["objectId"]
    for live in w.everyone:
        assert (await live.recv())["op"] == "create"
    only_alice = w.acl(w.alice["objectId"])
    await w.rest.update("Secret", oid, {"text": "classified", "ACL": only_alice}, master=True)
    for live in (w.anon, w.bob_live):
        leave = await live.recv()
        assert leave["op"] == "leave"
        assert leave["object"]["text"] == "public"  # the last state it could read
        assert "classified" not in str(leave)
    for live in [*w.alices, w.master]:
        update = await live.recv()
        assert (update["op"], update["object"]["text"]) == ("update", "classified")
    await _marker(harness, *w.everyone)


async def test_gaining_read_access_sends_enter_without_the_old_body(harness: Harness) -> None:
    w = await World(harness).setup()
    only_alice = w.acl(w.alice["objectId"])
    oid = (await w.rest.create("Secret", {"tag": TAG, "text": "draft", "ACL": only_alice}))[
        "objectId"
    ]
    for live in [*w.alices, w.master]:
        assert (await live.recv())["op"] == "create"
    await w.rest.update("Secret", oid, {"text": "published", "ACL": {"*": {"read": True}}},
                        master=True)  # fmt: skip
    for live in (w.anon, w.bob_live):
        enter = await live.recv()
        assert (enter["op"], enter["object"]["text"]) == ("enter", "published")
        assert "original" not in enter
    for live in [*w.alices, w.master]:
        update = await live.recv()
        assert (update["op"], update["original"]["text"]) == ("update", "draft")
    await _marker(harness, *w.everyone)


async def test_query_leave_while_still_readable_sends_the_new_body(harness: Harness) -> None:
    w = await World(harness).setup()
    oid = (await w.rest.create("Secret", {"tag": TAG, "n": 1}))["objectId"]
    for live in w.everyone:
        await live.recv()
    await w.rest.update("Secret", oid, {"tag": "elsewhere"})
    for live in w.everyone:
        leave = await live.recv()
        assert (leave["op"], leave["object"]["tag"], leave["original"]["tag"]) == (
            "leave", "elsewhere", TAG,
        )  # fmt: skip


async def test_logout_stops_the_sessions_events_at_once(harness: Harness) -> None:
    w = await World(harness).setup()
    await w.rest("POST", "logout", {}, token=w.alice["sessionToken"])
    for live in w.alices:
        ended = await live.recv()
        assert (ended["op"], ended["code"], ended["requestId"]) == ("unsubscribed", 209, 1)
    await w.rest.create("Secret", {"tag": TAG, "ACL": w.acl(w.alice["objectId"])})
    await w.rest.create("Secret", {"tag": TAG, "public": True})
    for live in (w.anon, w.bob_live, w.master):
        frame = await live.recv()
        if live is w.master:
            assert "public" not in frame["object"]
            frame = await live.recv()
        assert frame["object"]["public"] is True
    # Alice's subscriptions are gone: the next thing they get is nothing at all.
    for live in w.alices:
        await live.expect_silence()
    # A new subscription with the dead token is refused.
    answer = await w.alice_sub.subscribe(2, "Secret", {}, sessionToken=w.alice["sessionToken"])
    assert answer["code"] == 209


async def test_revoked_role_stops_its_members_events(harness: Harness) -> None:
    w = await World(harness).setup()
    pointer = {"__type": "Pointer", "className": "_User", "objectId": w.alice["objectId"]}
    await w.rest("PUT", f"roles/{w.team['objectId']}",
                 {"users": {"__op": "RemoveRelation", "objects": [pointer]}},
                 master=True)  # fmt: skip
    await w.rest.create("Secret", {"tag": TAG, "ACL": w.acl("role:team")})
    assert (await w.master.recv())["op"] == "create"
    await _marker(harness, *w.everyone)


async def test_protected_user_fields_are_never_sent(harness: Harness) -> None:
    rest = harness.rest
    watcher = await rest.sign_up("watcher")
    master = await harness.live(masterKey=harness.server.config.master_key)
    other = await harness.live(sessionToken=watcher["sessionToken"])
    for live in (master, other):
        assert (await live.subscribe(1, "_User", {}))["op"] == "subscribed"
    signed = await rest.sign_up("newbie", "hunter2", email="n@example.com")
    public = {"*": {"read": True}, signed["objectId"]: {"read": True, "write": True}}
    await rest(
        "PUT", f"users/{signed['objectId']}", {"nick": "n", "ACL": public},
        token=signed["sessionToken"],
    )  # fmt: skip
    frames = [await master.recv(), await master.recv(), await other.recv()]
    # Users are private until they say otherwise: the other user sees the user enter.
    assert [f["op"] for f in frames] == ["create", "update", "enter"]
    for frame in frames:
        text = str(frame)
        for secret in ("hunter2", "password", "sessionToken", "_hashed_password", "authData",
                       signed["sessionToken"]):  # fmt: skip
            assert secret not in text
    assert [("email" in f["object"]) for f in frames] == [True, True, False]


async def test_ending_the_connection_token_keeps_subscriptions_with_their_own(
    harness: Harness,
) -> None:
    w = await World(harness).setup()
    bob_token = w.bob["sessionToken"]
    # bob's connection, one subscription on alice's token, one on the connection's (bob's).
    mixed = await harness.live(sessionToken=bob_token)
    own = await mixed.subscribe(5, "Secret", {"tag": TAG}, sessionToken=w.alice["sessionToken"])
    assert own["op"] == "subscribed"
    assert (await mixed.subscribe(6, "Secret", {"tag": TAG}))["op"] == "subscribed"
    await w.rest("POST", "logout", {}, token=bob_token)
    ended = await mixed.recv()
    assert (ended["op"], ended["code"], ended["requestId"]) == ("unsubscribed", 209, 6)
    assert (await w.bob_live.recv())["code"] == 209
    await w.rest.create("Secret", {"tag": TAG, "ACL": w.acl(w.alice["objectId"])})
    frame = await mixed.recv()
    assert (frame["op"], frame["requestId"]) == ("create", 5)
