"""Who sees what: ACLs, roles, the master key and protected fields (``lq serve``, Parse Server).

Four subscribers watch the same query: user A (member of a role), user B, an
anonymous client and a master-key client. Each test writes objects with
chosen ACLs and checks exactly which subscriber received which event. A
trailing public *marker* object is the barrier: one connection delivers in
order, so once a subscriber saw the marker it has seen everything it ever
will of what was written before it.

The ACL-loss case is Parse's advisory GHSA-97pr-9hgg-3p8r: a user who loses
read access gets ``leave`` and must not receive the object's new contents.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from support.lq_server import LqServer
from support.rest_writer import make_acl
from support.watch import Watch

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy

CLASS = "Secret"
WAIT_S = 10.0
PROTECTED = ("password", "_hashed_password", "authData", "_auth_data", "sessionToken")


@dataclass
class Subscriber:
    name: str
    client: LiveQueryClient
    watch: Watch

    def events(self) -> list[tuple[str, str]]:
        """``(op, objectId)`` in arrival order."""
        return [(name, args[0]["objectId"]) for name, _, args in self.watch.records
                if name in ("create", "update", "enter", "leave", "delete")]  # fmt: skip

    def objects(self, op: str) -> list[dict[str, Any]]:
        return [args[0] for name, _, args in self.watch.records if name == op]

    async def wait_marker(self, marker_id: str) -> None:
        await self.watch.wait_for(
            lambda: any(oid == marker_id for _, oid in self.events()), f"{self.name} got marker"
        )


@dataclass
class World:
    kind: str
    server: LqServer
    tag: str
    users: dict[str, dict[str, Any]]
    role: dict[str, Any]
    subs: dict[str, Subscriber]

    async def write(self, fields: dict[str, Any], acl: dict[str, Any] | None) -> str:
        created = await asyncio.to_thread(
            self.server.rest.create, CLASS, {"tag": self.tag, **fields}, acl=acl, master=True
        )
        return str(created["objectId"])

    async def update(self, object_id: str, fields: dict[str, Any]) -> None:
        await asyncio.to_thread(self.server.rest.update, CLASS, object_id, fields, master=True)

    async def delete(self, object_id: str) -> None:
        await asyncio.to_thread(self.server.rest.delete, CLASS, object_id, master=True)

    async def barrier(self, *names: str) -> None:
        marker = await self.write({"marker": True}, make_acl(public_read=True))
        for name in names or self.subs:
            await self.subs[name].wait_marker(marker)

    def seen(self, object_id: str) -> dict[str, list[str]]:
        return {name: [op for op, oid in sub.events() if oid == object_id]
                for name, sub in self.subs.items()}  # fmt: skip


async def _subscriber(
    server: LqServer, name: str, tag: str, class_name: str = CLASS, **keys: Any
) -> Subscriber:
    client = LiveQueryClient(
        server.app_id, server.ws_url, javascript_key=server.js_key,
        reconnect=ReconnectPolicy(max_retries=0), **keys,
    )  # fmt: skip
    sub = await asyncio.wait_for(
        client.subscribe({"className": class_name, "where": {"tag": tag}}), WAIT_S
    )
    watch = Watch().listen(sub, "create", "update", "enter", "leave", "delete", "error", "close")
    return Subscriber(name, client, watch)


@pytest.fixture(params=[pytest.param("parse", marks=pytest.mark.parse_server), "lq"])
async def world(request: pytest.FixtureRequest, unique_tag: str) -> AsyncIterator[World]:
    lq_server = request.getfixturevalue("parse_server" if request.param == "parse" else "lq_server")
    rest = lq_server.rest
    users = {}
    for name in ("a", "b"):
        created = rest.sign_up(f"{name}-{secrets.token_hex(6)}", f"pw-{secrets.token_hex(6)}")
        users[name] = {"id": created["objectId"], "token": created["sessionToken"]}
    role = rest.create_role(f"readers{secrets.token_hex(4)}", users=[users["a"]["id"]])
    subs = {
        "a": await _subscriber(lq_server, "a", unique_tag, session_token=users["a"]["token"]),
        "b": await _subscriber(lq_server, "b", unique_tag, session_token=users["b"]["token"]),
        "anon": await _subscriber(lq_server, "anon", unique_tag),
        "master": await _subscriber(lq_server, "master", unique_tag, master_key=lq_server.master_key),  # noqa: E501
    }  # fmt: skip
    yield World(request.param, lq_server, unique_tag, users, role, subs)
    for sub in subs.values():
        await asyncio.wait_for(sub.client.close(), WAIT_S)


# Parse Server's LiveQuery caches sessions and role membership: it goes on delivering
# after a logout, a deleted session or a role removal (the seed docs' warning), for as
# long as its cache lives, so those cases are generated for lq serve only.
LQ_SERVE_ONLY = pytest.mark.parametrize("world", ["lq"], indirect=True)


def _acl(world: World, spec: str) -> dict[str, Any]:
    return {
        "public": make_acl(public_read=True),
        "a": make_acl(readers=[world.users["a"]["id"]]),
        "b": make_acl(readers=[world.users["b"]["id"]]),
        "role": make_acl(readers=[f"role:{world.role['name']}"]),
        "nobody": {},
    }[spec]


READERS = {
    "public": {"a", "b", "anon", "master"},
    "a": {"a", "master"},
    "b": {"b", "master"},
    "role": {"a", "master"},
    "nobody": {"master"},
}


@pytest.mark.parametrize("spec", list(READERS))
async def test_create_update_delete_reach_exactly_the_readers(world: World, spec: str) -> None:
    object_id = await world.write({"v": 1}, _acl(world, spec))
    await world.update(object_id, {"v": 2})
    await world.delete(object_id)
    await world.barrier()
    seen = world.seen(object_id)
    for name in world.subs:
        expected = ["create", "update", "delete"] if name in READERS[spec] else []
        got = seen[name]
        if world.kind == "parse" and spec == "role":
            # Parse checks role ACLs asynchronously, per event: they can arrive out of order.
            got, expected = sorted(got), sorted(expected)
        assert got == expected, f"{name} with ACL {spec}: {seen}"


async def test_losing_read_access_gives_leave_without_the_new_contents(world: World) -> None:
    object_id = await world.write({"note": "old"}, _acl(world, "public"))
    await world.update(object_id, {"note": "new-secret", "ACL": _acl(world, "b")})
    await world.barrier()
    seen = world.seen(object_id)
    assert seen["a"] == ["create", "leave"], seen
    assert seen["anon"] == ["create", "leave"], seen
    assert seen["b"] == ["create", "update"], seen
    for name in ("a", "anon"):
        leave = world.subs[name].objects("leave")[0]
        assert "new-secret" not in repr(leave), f"{name}'s leave carries the new body: {leave}"


async def test_gaining_read_access_gives_enter(world: World) -> None:
    object_id = await world.write({"v": 1}, _acl(world, "b"))
    await world.update(object_id, {"v": 2, "ACL": _acl(world, "a")})
    await world.barrier()
    seen = world.seen(object_id)
    assert seen["a"] == ["enter"], seen
    assert seen["b"] == ["create", "leave"], seen
    assert seen["anon"] == [], seen
    assert seen["master"] == ["create", "update"], seen


@LQ_SERVE_ONLY
async def test_a_role_removed_stops_its_former_member_at_once(world: World) -> None:
    first = await world.write({"v": 1}, _acl(world, "role"))
    await world.barrier("a")
    assert world.seen(first)["a"] == ["create"]
    await asyncio.to_thread(
        world.server.rest.remove_users_from_role, world.role["objectId"], [world.users["a"]["id"]]
    )
    second = await world.write({"v": 2}, _acl(world, "role"))
    await world.barrier()
    assert world.seen(second)["a"] == [], world.seen(second)
    assert world.seen(second)["master"] == ["create"]


@LQ_SERVE_ONLY
async def test_logout_stops_the_sessions_events_at_once(world: World) -> None:
    await asyncio.to_thread(world.server.rest.log_out, world.users["a"]["token"])
    private = await world.write({"v": 1}, _acl(world, "a"))
    await world.barrier("master", "b")
    # A's subscription may end (an error) or go on anonymously: bounded wait for stragglers.
    a = world.subs["a"]
    if not a.watch.count("close") and not a.watch.count("error"):
        await world.barrier("a")
    assert world.seen(private)["a"] == [], world.seen(private)


@LQ_SERVE_ONLY
async def test_a_deleted_session_stops_its_events(world: World) -> None:
    await asyncio.to_thread(world.server.rest.revoke_session, world.users["b"]["token"])
    private = await world.write({"v": 1}, _acl(world, "b"))
    await world.barrier("master", "a")
    b = world.subs["b"]
    if not b.watch.count("close") and not b.watch.count("error"):
        await world.barrier("b")
    assert world.seen(private)["b"] == [], world.seen(private)


async def test_protected_user_fields_are_never_sent(lq_server: LqServer, unique_tag: str) -> None:
    rest = lq_server.rest
    user = rest.sign_up(f"p-{secrets.token_hex(6)}", "pw-secret-123", tag=unique_tag)
    acl = make_acl(public_read=True, writers=[user["objectId"]])
    rest.update("_User", user["objectId"], {"ACL": acl}, master=True)
    subscribers = [
        await _subscriber(lq_server, "master", unique_tag, "_User", master_key=lq_server.master_key),  # noqa: E501
        await _subscriber(lq_server, "self", unique_tag, "_User", session_token=user["sessionToken"]),  # noqa: E501
        await _subscriber(lq_server, "anon", unique_tag, "_User"),
    ]  # fmt: skip
    try:
        rest.update("_User", user["objectId"], {"nickname": "n1"}, master=True)
        rest.update("_User", user["objectId"], {"password": "pw-secret-456"}, master=True)
        for sub in subscribers:
            await sub.watch.wait("update", 2)
            for _, _, args in sub.watch.records:
                text = repr(args)
                for field in PROTECTED:
                    assert f"'{field}'" not in text, f"{sub.name} got {field}: {text}"
                assert "pw-secret" not in text
                assert user["sessionToken"] not in text
    finally:
        for sub in subscribers:
            await sub.client.close()
