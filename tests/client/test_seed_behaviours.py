"""The client library against each server: every behaviour of the seed.

Each test runs against a real Parse Server 9 and against ``lq serve`` (the
rig's ``server`` fixture); the library must not be able to tell them apart.

Writes go through the rig's REST writer (run in a thread, so the event loop
keeps reading the socket). Absence of an event is shown with a sentinel: a
later write that the same subscription does receive, since a subscription's
events arrive in order on one socket.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from support.lq_server import LqServer
from support.parse_server import ParseServer
from support.parse_server import ParseServer as ServerHandle  # LqServer has the same interface
from support.recorder import Recorder

import livequery_cli.client.standard as standard
from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.client.query import Query
from livequery_cli.client.subscription import Event, Subscription
from livequery_cli.exceptions import AuthError, TransportError
from livequery_cli.protocol import State

FAST = ReconnectPolicy(base=0.05, max_delay=0.25)
WAIT = 15.0


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A blocking rig call, off the event loop."""
    return await asyncio.to_thread(fn, *args, **kwargs)


async def next_event(sub: Subscription) -> Event:
    return await asyncio.wait_for(anext(sub), WAIT)


def new_client(server: ServerHandle, **options: Any) -> LiveQueryClient:
    options.setdefault("reconnect", FAST)
    options.setdefault("javascript_key", server.js_key)
    return LiveQueryClient(server.app_id, server.ws_url, **options)


@pytest.fixture
async def client(server: ServerHandle) -> AsyncIterator[LiveQueryClient]:
    client = new_client(server)
    yield client
    await client.close()


@pytest.fixture
async def master_client(server: ServerHandle) -> AsyncIterator[LiveQueryClient]:
    client = new_client(server, master_key=server.master_key)
    yield client
    await client.close()


@pytest.fixture
async def standard_api(server: ServerHandle) -> AsyncIterator[standard.LiveQueryController]:
    """The global API on the shared server; its state is restored afterwards."""
    config, policy = standard._config, standard.LiveQuery.reconnect_policy
    listeners = standard.LiveQuery._listeners
    saved = {event: list(entries) for event, entries in listeners._listeners.items()}
    standard.configure(server.rest_url, server.app_id, server.js_key)
    standard.LiveQuery.reconnect_policy = FAST
    yield standard.LiveQuery
    await standard.LiveQuery.close()
    listeners._listeners = saved
    standard._config, standard.LiveQuery.reconnect_policy = config, policy


async def test_all_five_object_events_carry_the_right_object_and_original(
    server: ServerHandle, client: LiveQueryClient, unique_tag: str
) -> None:
    rest = server.rest
    sub = await client.subscribe(
        Query("Game").equal_to("tag", unique_tag).greater_than("score", 100)
    )
    calls = Recorder().listen(sub, "create", "update", "enter", "leave", "delete")

    created = await call(rest.create, "Game", {"tag": unique_tag, "score": 150}, master=True)
    oid = created["objectId"]
    event = await next_event(sub)
    assert event.op == "create"
    assert event.original is None
    assert (event.object["objectId"], event.object["score"]) == (oid, 150)
    assert event.object["className"] == "Game"

    await call(rest.update, "Game", oid, {"score": 160}, master=True)
    event = await next_event(sub)
    assert event.op == "update"
    assert (event.object["score"], event.original and event.original["score"]) == (160, 150)

    await call(rest.update, "Game", oid, {"score": 50}, master=True)
    event = await next_event(sub)
    assert event.op == "leave"
    assert (event.object["score"], event.original and event.original["score"]) == (50, 160)

    await call(rest.update, "Game", oid, {"score": 200}, master=True)
    event = await next_event(sub)
    assert event.op == "enter"
    assert (event.object["score"], event.original and event.original["score"]) == (200, 50)

    await call(rest.delete, "Game", oid, master=True)
    event = await next_event(sub)
    assert event.op == "delete"
    assert (event.object["objectId"], event.object["score"]) == (oid, 200)

    # listeners got the same, with `original` only for update/enter/leave
    assert calls.names() == ["create", "update", "leave", "enter", "delete"]
    assert [len(args) for _, args in calls.events] == [1, 2, 2, 2, 1]
    assert calls.args("enter")[0][1]["score"] == 50


async def test_unsubscribe_stops_events(
    server: ServerHandle, client: LiveQueryClient, unique_tag: str
) -> None:
    query = Query("Game").equal_to("tag", unique_tag)
    stopped = await client.subscribe(query)
    kept = await client.subscribe(query)
    rec = Recorder().listen(stopped, "create", "close")
    await stopped.unsubscribe()
    assert rec.names() == ["close"]
    assert stopped.closed
    assert [e async for e in stopped] == []  # the iterator has ended
    await call(server.rest.create, "Game", {"tag": unique_tag}, master=True)
    assert (await next_event(kept)).op == "create"  # the same write, on the same socket
    assert rec.names() == ["close"]
    assert client.subscriptions == [kept]


async def test_connection_open_close_and_error_events(
    server: ServerHandle, unique_tag: str
) -> None:
    client = new_client(server)
    rec = Recorder().listen(client, "open", "close", "error")
    await client.open()
    assert rec.names() == ["open"]
    await client.close()
    assert rec.names() == ["open", "close"]

    # A key the server does not know: `error` event, and open() raises AuthError.
    refused = new_client(server, javascript_key="not-the-key")
    rec = Recorder().listen(refused, "open", "close", "error")
    with pytest.raises(AuthError) as info:
        await asyncio.wait_for(refused.open(), WAIT)
    assert info.value.code == 4
    assert str(info.value) == "Key in request is not valid (code 4)"
    assert rec.names() == ["error"]
    assert refused.state is State.DISCONNECTED
    await refused.close()


async def test_kill_and_restart_reconnects_resubscribes_once_and_reopens(
    server: ServerHandle, client: LiveQueryClient, unique_tag: str
) -> None:
    rest = server.rest
    client_rec = Recorder().listen(client, "open", "close", "error", "reconnect")
    sub = await client.subscribe(Query("Game").equal_to("tag", unique_tag))
    sub_rec = Recorder().listen(sub, "open", "close")
    await sub_rec.wait("open")  # the first open comes right after subscribe() returns
    request_id = sub.request_id

    await call(server.kill)
    await client_rec.wait("close", within=WAIT)
    assert any(isinstance(args[0], TransportError) for args in client_rec.args("error"))
    await sub_rec.wait("close")
    await client_rec.wait("reconnect")  # attempts against a dead port keep going
    await call(server.restart)

    await client_rec.wait("open", 2, within=60)
    await sub_rec.wait("open", 2, within=WAIT)
    assert sub_rec.names() == ["open", "close", "open"]
    assert sub.request_id == request_id
    assert not sub.closed

    first = await call(rest.create, "Game", {"tag": unique_tag, "n": 1}, master=True)
    second = await call(rest.create, "Game", {"tag": unique_tag, "n": 2}, master=True)
    events = [await next_event(sub), await next_event(sub)]
    # one event per write: the subscription exists once on the server
    assert [e.object["objectId"] for e in events] == [first["objectId"], second["objectId"]]
    assert client.state is State.CONNECTED


async def test_live_query_close_stops_reconnects_and_ends_subscriptions(
    server: ServerHandle, standard_api: standard.LiveQueryController, unique_tag: str
) -> None:
    rec = Recorder().listen(standard_api, "open", "close", "reconnect")
    sub = await Query("Game").equal_to("tag", unique_tag).subscribe()
    sub_rec = Recorder().listen(sub, "close")
    shared = standard_api.client
    assert shared is not None
    assert rec.names() == ["open"]

    await standard_api.close()
    assert sub.closed
    assert sub_rec.names() == ["close"]
    assert [e async for e in sub] == []
    assert shared.state is State.CLOSED
    assert standard_api.client is None
    assert rec.names() == ["open", "close"]  # and no reconnect
    # nothing arrives any more on the closed subscription
    await call(server.rest.create, "Game", {"tag": unique_tag}, master=True)
    assert [e async for e in sub] == []


async def test_a_subscribe_after_close_opens_a_new_connection(
    server: ServerHandle, standard_api: standard.LiveQueryController, unique_tag: str
) -> None:
    rec = Recorder().listen(standard_api, "open", "close")
    query = Query("Game").equal_to("tag", unique_tag)
    await query.subscribe()
    first_client = standard_api.client
    await standard_api.close()

    sub = await query.subscribe()
    assert standard_api.client is not None
    assert standard_api.client is not first_client
    assert rec.names() == ["open", "close", "open"]  # listeners survive the new connection
    await call(server.rest.create, "Game", {"tag": unique_tag}, master=True)
    assert (await next_event(sub)).op == "create"


@pytest.mark.parse_server
async def test_two_clients_against_two_servers(
    parse_server: ParseServer,
    parse_server_factory: Callable[..., ParseServer],
    lq_server: LqServer,
    unique_tag: str,
) -> None:
    """Two Parse Servers of different apps, and ``lq serve`` beside them: one client each."""
    other = await call(parse_server_factory, app_id="lq-other")
    servers: list[ServerHandle] = [parse_server, other, lq_server]  # type: ignore[list-item]
    clients = [new_client(s) for s in servers]
    try:
        query = Query("Game").equal_to("tag", unique_tag)
        subs = [await c.subscribe(query) for c in clients]
        for _ in range(2):  # each sees its own server's writes, in order, and nothing else
            made = [
                await call(s.rest.create, "Game", {"tag": unique_tag}, master=True) for s in servers
            ]
            for sub, obj in zip(subs, made, strict=True):
                assert (await next_event(sub)).object["objectId"] == obj["objectId"]
    finally:
        for c in clients:
            await c.close()


async def test_acl_events_reach_only_readers_and_the_master_key(
    server: ServerHandle,
    client: LiveQueryClient,
    master_client: LiveQueryClient,
    unique_tag: str,
) -> None:
    rest = server.rest
    alice = await call(rest.sign_up, f"alice-{uuid.uuid4().hex[:8]}", "pw-alice")
    bob = await call(rest.sign_up, f"bob-{uuid.uuid4().hex[:8]}", "pw-bob")
    query = Query("Secret").equal_to("tag", unique_tag)
    as_alice = await client.subscribe(query, session_token=alice["sessionToken"])
    as_bob = await client.subscribe(query, session_token=bob["sessionToken"])
    anonymous = await client.subscribe(query)
    as_master = await master_client.subscribe(query)

    secret = await call(
        rest.create,
        "Secret",
        {"tag": unique_tag, "text": "for alice"},
        acl={alice["objectId"]: {"read": True, "write": True}},
        master=True,
    )
    assert (await next_event(as_alice)).object["objectId"] == secret["objectId"]
    assert (await next_event(as_master)).object["text"] == "for alice"

    public = await call(
        rest.create, "Secret", {"tag": unique_tag}, acl={"*": {"read": True}}, master=True
    )
    # bob's and the anonymous subscription's first event is the public one
    assert (await next_event(as_bob)).object["objectId"] == public["objectId"]
    assert (await next_event(anonymous)).object["objectId"] == public["objectId"]


async def test_an_invalid_session_token_is_a_typed_auth_error(client: LiveQueryClient) -> None:
    errors = Recorder().listen(client, "error")
    with pytest.raises(AuthError) as info:
        await asyncio.wait_for(
            client.subscribe({"className": "_Session", "where": {}}, session_token="r:not-valid"),
            WAIT,
        )
    error = info.value
    assert (error.code, error.reconnect) == (209, False)
    assert str(error) == "Invalid session token (code 209)"
    assert "r:not-valid" not in repr(error)
    assert client.subscriptions == []  # ended, not retried
    assert client.state is State.CONNECTED  # the connection itself is fine
    assert errors.names() == []


async def test_keys_project_object_and_original(
    server: ServerHandle, client: LiveQueryClient, unique_tag: str
) -> None:
    rest = server.rest
    sub = await client.subscribe(Query("Game").equal_to("tag", unique_tag).select("score"))
    created = await call(
        rest.create, "Game", {"tag": unique_tag, "score": 1, "name": "x"}, master=True
    )
    event = await next_event(sub)
    assert event.object["score"] == 1
    assert "name" not in event.object
    assert "tag" not in event.object  # matching used it, the projection drops it
    assert {"className", "objectId", "createdAt", "updatedAt"} <= set(event.object)
    await call(rest.update, "Game", created["objectId"], {"score": 2}, master=True)
    event = await next_event(sub)
    assert event.op == "update"
    assert event.original is not None
    assert event.original["score"] == 1
    assert "name" not in event.original


async def test_watch_sends_create_and_update_only_when_a_watched_field_changes(
    server: ServerHandle, client: LiveQueryClient, unique_tag: str
) -> None:
    rest = server.rest
    sub = await client.subscribe(Query("Game").equal_to("tag", unique_tag).watch("score"))
    created = await call(rest.create, "Game", {"tag": unique_tag, "name": "a"}, master=True)
    oid = created["objectId"]
    await call(rest.update, "Game", oid, {"name": "b"}, master=True)  # unwatched: silent
    await call(rest.update, "Game", oid, {"score": 7}, master=True)
    event = await next_event(sub)  # the first event is the watched change
    assert (event.op, event.object["score"], event.object["name"]) == ("update", 7, "b")
    assert event.original is not None
    assert "score" not in event.original
    await call(rest.delete, "Game", oid, master=True)  # delete is always sent
    assert (await next_event(sub)).op == "delete"


async def test_update_op_changes_a_live_subscriptions_query(
    server: ServerHandle, client: LiveQueryClient, unique_tag: str
) -> None:
    rest = server.rest
    sub = await client.subscribe(Query("Game").equal_to("tag", unique_tag).equal_to("c", "red"))
    opens = Recorder().listen(sub, "open")
    await opens.wait("open")
    request_id = sub.request_id
    await sub.update(Query("Game").equal_to("tag", unique_tag).equal_to("c", "blue"))
    assert opens.count("open") == 2  # open again: the server confirmed the new query
    assert sub.request_id == request_id
    assert sub.query["where"]["c"] == "blue"
    await call(rest.create, "Game", {"tag": unique_tag, "c": "red"}, master=True)
    blue = await call(rest.create, "Game", {"tag": unique_tag, "c": "blue"}, master=True)
    event = await next_event(sub)
    assert event.object["objectId"] == blue["objectId"]
