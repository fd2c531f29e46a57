"""``lq serve --parse-server`` against Parse's own LiveQuery node, on one real cluster.

One Parse Server 9.10 publishes every write on Redis; Parse's LiveQuery
server and an ``lq serve --parse-server`` subprocess both consume it. The
same clients (anonymous, three users with session tokens, one of them in a
nested role, the master key) open the same subscriptions (``keys``,
``watch``, classes with CLPs, pointer permissions and protectedFields) on
both nodes; a seeded sequence of REST writes goes through Parse; the two
event streams must be identical, subscription by subscription and object by
object (Parse may reorder events of different objects, see docs/serve.md).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
import pytest
from cluster.parse_cluster import LqNode, lq_node, parse, redis_bus
from support.parse_server import ParseServer
from support.rest_writer import make_acl, pointer
from websockets.asyncio.client import ClientConnection, connect

pytestmark = pytest.mark.parse_server
__all__ = ["lq_node", "parse", "redis_bus"]  # module-scoped fixtures of this module

SETTLE_S = 20.0
PUBLIC = {"read": True, "write": True}
OPEN = {"*": True}
BASE_CLP = {op: OPEN for op in ("find", "get", "count", "create", "update", "delete", "addField")}
CLPS: dict[str, dict[str, Any]] = {
    "Doc": {
        "classLevelPermissions": {
            **BASE_CLP,
            "protectedFields": {"*": ["secret", "phone"], "authenticated": ["secret"]},
        },
        "fields": {"secret": {"type": "String"}, "phone": {"type": "String"}},
    },
    "Order": {
        "classLevelPermissions": {**BASE_CLP, "find": {}, "get": {}, "readUserFields": ["owner"]},
        "fields": {"owner": {"type": "Pointer", "targetClass": "_User"}},
    },
    "Post": {
        "classLevelPermissions": {
            **BASE_CLP,
            "find": {"requiresAuthentication": True},
            "get": {"requiresAuthentication": True},
        }
    },
    "Comment": {"classLevelPermissions": {**BASE_CLP, "find": {}, "get": {}}},
    "Item": {"classLevelPermissions": {**BASE_CLP, "find": {}}},  # get only, find locked
}
#: Stands for the one Item every run updates (created by ``world``): a query on its
#: objectId alone is a CLP ``get``.
ITEM_ID = "<item>"
SUBSCRIPTIONS: list[tuple[int, str, dict[str, Any], dict[str, Any]]] = [
    (1, "Game", {}, {}),
    (2, "Game", {"score": {"$gt": 50}}, {"keys": ["score", "tag"]}),
    (3, "Game", {}, {"watch": ["color"]}),
    (4, "Doc", {}, {}),
    (5, "Order", {}, {}),
    (6, "Post", {}, {}),
    (7, "Comment", {}, {}),
    (8, "Game", {"color": "red", "score": {"$lte": 50}}, {}),
    (9, "_User", {}, {}),
    # Parse checks every subscribe as a CLP find, even one on objectId alone: both refused.
    (10, "Item", {"objectId": ITEM_ID}, {}),
    (11, "Item", {}, {}),
]


@dataclass
class World:
    parse: ParseServer
    users: dict[str, dict[str, Any]]
    role: str
    item_id: str


@pytest.fixture(scope="module")
def world(parse: ParseServer) -> World:
    rest = parse.rest
    tag = uuid.uuid4().hex[:8]
    users = {
        name: rest.sign_up(f"{name}-{tag}", "pw", email=f"{name}-{tag}@example.com")
        for name in ("alice", "bob", "carol")
    }
    staff = rest.create_role(f"staff{tag}", users=[users["carol"]["objectId"]])
    rest.create_role(f"crew{tag}", roles=[staff["objectId"]])  # carol is in crew through staff
    for class_name, body in CLPS.items():
        rest.request("PUT", f"schemas/{class_name}", {"className": class_name, **body}, master=True)
    item = rest.create("Item", {"score": 0}, acl=None, master=True)
    return World(parse, users, f"crew{tag}", item["objectId"])


@dataclass
class Client:
    name: str
    ws: ClientConnection
    frames: list[dict[str, Any]] = field(default_factory=list)

    async def pump(self) -> None:
        async for raw in self.ws:
            self.frames.append(orjson.loads(raw))


async def open_client(url: str, world: World, name: str) -> Client:
    ws = await connect(url, max_size=None)
    hello: dict[str, Any] = {
        "op": "connect",
        "applicationId": world.parse.app_id,
        "javascriptKey": world.parse.js_key,
    }
    token = world.users[name]["sessionToken"] if name in world.users else None
    if name == "master":
        hello["masterKey"] = world.parse.master_key
    if token:
        hello["sessionToken"] = token
    await ws.send(orjson.dumps(hello).decode())
    assert orjson.loads(await asyncio.wait_for(ws.recv(), SETTLE_S))["op"] == "connected"
    for request_id, class_name, where, extra in SUBSCRIPTIONS:
        if where.get("objectId") == ITEM_ID:
            where = {"objectId": world.item_id}
        frame: dict[str, Any] = {
            "op": "subscribe",
            "requestId": request_id,
            "query": {"className": class_name, "where": where, **extra},
        }
        if token:
            frame["sessionToken"] = token
        await ws.send(orjson.dumps(frame).decode())
    return Client(name, ws)


def _acl(world: World, kind: str) -> dict[str, Any] | None:
    ids = {name: user["objectId"] for name, user in world.users.items()}
    return {
        "public": make_acl(public_read=True, public_write=True),
        "alice": make_acl(readers=[ids["alice"]], writers=[ids["alice"]]),
        "bob": make_acl(readers=[ids["bob"]]),
        "role": make_acl(readers=[f"role:{world.role}"]),
        "alice+role": make_acl(readers=[ids["alice"], f"role:{world.role}"]),
        "none": None,
    }[kind]


def run_script(world: World, seed: int) -> None:
    """A seeded mix of creates, updates across query boundaries, ACL changes and deletes."""
    rng = random.Random(seed)
    rest = world.parse.rest
    ids = [world.users[n]["objectId"] for n in ("alice", "bob", "carol")]
    acls = ["public", "alice", "bob", "role", "alice+role", "none"]
    live: list[tuple[str, str]] = []

    def fields(class_name: str) -> dict[str, Any]:
        body: dict[str, Any] = {"score": rng.randint(0, 100), "color": rng.choice(["red", "blue"])}
        body["tag"] = rng.choice(["x", "y"])
        if class_name == "Doc":
            body.update(secret=f"s{rng.randint(0, 9)}", phone=f"p{rng.randint(0, 9)}")
        if class_name == "Order":
            body["owner"] = pointer("_User", rng.choice(ids))
        return body

    # A fixed prologue, so every seed covers protected fields and pointer permissions.
    doc = rest.create("Doc", {"secret": "s", "phone": "p", "score": 1}, acl=None, master=True)
    rest.update("Doc", doc["objectId"], {"score": 2, "phone": "p2"}, master=True)
    for owner in ids[:2]:
        rest.create("Order", {"owner": pointer("_User", owner), "score": 3}, acl=None, master=True)
    item = world.item_id
    rest.update("Item", item, {"score": rng.randint(0, 100)}, master=True)
    rest.update("Item", item, {"ACL": make_acl(readers=[ids[0]])}, master=True)
    rest.update("Item", item, {"ACL": make_acl(public_read=True), "n": seed}, master=True)
    for user_id in ids:  # _User events: email and authData only for the user itself
        rest.update("_User", user_id, {"nick": f"n{rng.randint(0, 9)}"}, master=True)
    for _ in range(36):
        action = rng.choice(["create", "create", "update", "update", "update", "acl", "delete"])
        if action == "create" or not live:
            class_name = rng.choice(["Game", "Game", "Doc", "Order", "Post", "Comment"])
            acl = _acl(world, rng.choice(acls))
            created = rest.create(class_name, fields(class_name), acl=acl, master=True)
            live.append((class_name, created["objectId"]))
            continue
        class_name, object_id = rng.choice(live)
        if action == "update":
            body = fields(class_name)
            for key in rng.sample(sorted(body), rng.randint(1, len(body))):
                body.pop(key)
            rest.update(class_name, object_id, body or {"score": 1}, master=True)
        elif action == "acl":
            acl = _acl(world, rng.choice(acls[:-1]))
            rest.update(class_name, object_id, {"ACL": acl}, master=True)
        else:
            rest.delete(class_name, object_id, master=True)
            live.remove((class_name, object_id))


def streams(client: Client, *, ordered: bool = False) -> dict[str, Any]:
    """Per subscription: answers, and each object's events (clientId dropped).

    Parse's node decides each subscriber's events in concurrent callbacks and
    can send them out of write order, even two events of one object (a
    ``delete`` before its ``create`` was seen here), so events are compared
    as a multiset per (subscription, object) unless ``ordered``.
    """
    answers: list[Any] = []
    events: dict[str, list[Any]] = {}
    for frame in client.frames:
        op = frame.get("op")
        if op in ("subscribed", "error"):
            answers.append((frame.get("requestId"), op, frame.get("code"), frame.get("error")))
            continue
        obj = frame.get("object") or {}
        key = f"{frame.get('requestId')}:{obj.get('objectId')}"
        events.setdefault(key, []).append((op, obj, frame.get("original")))
    if not ordered:
        events = {key: sorted(seq, key=repr) for key, seq in events.items()}
    return {"answers": sorted(answers, key=repr), "events": events}


def assert_write_order(client: Client) -> None:
    """lq's deliberate difference: each object's events arrive in write order."""
    for key, seq in streams(client, ordered=True)["events"].items():
        stamps = [obj.get("updatedAt", "") for _op, obj, _original in seq]
        assert stamps == sorted(stamps), (client.name, key, [op for op, *_ in seq])
        assert all(op != "delete" for op, *_ in seq[:-1]), (client.name, key)


def _fenced(client: Client, fence: str) -> bool:
    return any(
        f.get("requestId") == 1 and (f.get("object") or {}).get("fence") == fence
        for f in client.frames
    )


@pytest.fixture
async def clients(world: World, lq_node: LqNode) -> AsyncIterator[dict[str, list[Client]]]:
    names = ["anon", "alice", "bob", "carol", "master"]
    result: dict[str, list[Client]] = {}
    tasks = []
    for node_name, url in (("parse", world.parse.ws_url), ("lq", lq_node.ws_url)):
        result[node_name] = [await open_client(url, world, name) for name in names]
        tasks += [asyncio.ensure_future(c.pump()) for c in result[node_name]]
    everyone = result["parse"] + result["lq"]
    await _wait(lambda: all(len(streams(c)["answers"]) == len(SUBSCRIPTIONS) for c in everyone))
    try:
        yield result
    finally:
        for group in result.values():
            for c in group:
                await c.ws.close()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _wait(condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_S
    while not condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def _settle(clients: dict[str, list[Client]], fence: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_S
    everyone = clients["parse"] + clients["lq"]
    while not all(_fenced(c, fence) for c in everyone):
        assert loop.time() < deadline, "the fence did not reach every client"
        await asyncio.sleep(0.02)
    # Parse decides events asynchronously: wait (bounded) until both nodes agree.
    while loop.time() < deadline:
        pairs = zip(clients["parse"], clients["lq"], strict=True)
        if all(streams(p) == streams(q) for p, q in pairs):
            return
        await asyncio.sleep(0.05)


def assert_not_vacuous(world: World, lq_clients: list[Client]) -> None:
    """The comparison covered events, protected fields and pointer permissions."""
    by_name = {c.name: c for c in lq_clients}
    total = sum(len(c.frames) for c in lq_clients)
    assert total > 100, total

    def objects(name: str, request_id: int) -> list[dict[str, Any]]:
        return [
            f["object"]
            for f in by_name[name].frames
            if f.get("requestId") == request_id and "object" in f
        ]

    assert objects("anon", 4), "no Doc events for anonymous"
    assert all("secret" not in o and "phone" not in o for o in objects("anon", 4))
    assert all("secret" not in o for o in objects("alice", 4))
    assert any("phone" in o for o in objects("alice", 4))
    assert any("secret" in o for o in objects("master", 4))
    assert not objects("anon", 5), "pointer permissions let an anonymous client see an Order"
    alice = world.users["alice"]["objectId"]
    assert [o["objectId"] for o in objects("alice", 9)] == [alice]
    assert "email" in objects("alice", 9)[0]
    assert len(objects("master", 9)) == 3
    bob = world.users["bob"]["objectId"]
    assert objects("bob", 5)
    assert all(o["owner"]["objectId"] == bob for o in objects("bob", 5))


#: Classes whose ``find`` CLP is not public: Parse's LiveQuery refuses even the master key there.
CLOSED_CLASS_REQUESTS = {6: 101, 7: 119, 10: 119, 11: 119}


def drop_master_on_closed_classes(on_parse: Client, on_lq: Client) -> None:
    """Deliberate difference: the master key passes CLPs on lq's node (as on Parse's REST API).

    Parse's LiveQuery node checks CLPs without regard to the master key and
    refuses it (101 / 119) on ``Post`` and ``Comment``; lq's node subscribes it.
    Checked here, then those subscriptions are left out of the comparison.
    """
    for request_id, code in CLOSED_CLASS_REQUESTS.items():
        assert [f.get("code") for f in on_parse.frames if f.get("requestId") == request_id] == [
            code
        ]
        assert any(
            f.get("op") == "subscribed" and f.get("requestId") == request_id for f in on_lq.frames
        )
    for client in (on_parse, on_lq):
        client.frames = [
            f for f in client.frames if f.get("requestId") not in CLOSED_CLASS_REQUESTS
        ]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_same_events_as_parse_livequery_node(
    world: World, clients: dict[str, list[Client]], seed: int
) -> None:
    await asyncio.to_thread(run_script, world, seed)
    fence = uuid.uuid4().hex
    body = {"fence": fence, "score": 99, "color": fence, "tag": "x"}
    await asyncio.to_thread(world.parse.rest.create, "Game", body, acl=None, master=True)
    await _settle(clients, fence)
    for on_parse, on_lq in zip(clients["parse"], clients["lq"], strict=True):
        assert_write_order(on_lq)
        if on_parse.name == "master":
            drop_master_on_closed_classes(on_parse, on_lq)
        assert streams(on_lq) == streams(on_parse), on_parse.name
    assert_not_vacuous(world, clients["lq"])
