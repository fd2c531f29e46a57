"""The current user against the real Parse Server: identity changes move live queries with it."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from support.parse_server import CLASS_NAMES

from livequery_cli.client import LiveQueryClient, standard
from livequery_cli.client.query import Query
from livequery_cli.client.subscription import Subscription
from livequery_cli.client.user import User
from livequery_cli.exceptions import AuthError, LiveQueryError, RestAuthError

CLASS = "Secret"
PASSWORD = "pw-for-tests"
WAIT_S = 10.0


def _name() -> str:
    return f"u-{uuid.uuid4().hex[:10]}"


def _configure(server: Any) -> None:
    standard.configure(
        server_url=server.rest_url,
        application_id=server.app_id,
        javascript_key=server.js_key,
        live_query_server_url=server.ws_url,
    )


@pytest.fixture
async def configured(server: Any) -> AsyncIterator[Any]:
    _configure(server)
    try:
        yield server
    finally:
        with contextlib.suppress(LiveQueryError):
            await User.log_out()
        await standard.LiveQuery.close()


class Recorder:
    """Every event a subscription emits, in order, with a way to wait for one."""

    def __init__(self, sub: Subscription) -> None:
        self.events: list[tuple[str, Any]] = []
        self._changed = asyncio.Event()
        for name in ("open", "close", "create", "update", "enter", "leave", "delete", "error"):
            sub.on(name, self._listener(name))

    def _listener(self, name: str) -> Any:
        def record(*args: Any) -> None:
            self.events.append((name, args[0] if args else None))
            self._changed.set()

        return record

    def ids(self, op: str) -> list[str]:
        return [obj["objectId"] for name, obj in self.events if name == op]

    def names(self) -> list[str]:
        return [name for name, _ in self.events]

    async def wait_for(self, predicate: Any) -> None:
        async def loop() -> None:
            while not predicate():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(loop(), WAIT_S)


async def test_sign_up_log_in_current_me_log_out(configured: Any) -> None:
    rest = configured.rest
    name = _name()
    assert User.current() is None
    signed = await User.sign_up(name, PASSWORD, team="red")
    assert User.current() is signed
    assert (signed.username, signed.get("team")) == (name, "red")
    assert signed.session_token is not None
    assert signed.session_token not in repr(signed)
    assert "sessionToken" not in signed.data

    user = await User.log_in(name, PASSWORD)
    assert User.current() is user
    assert user.object_id == signed.object_id
    assert user.session_token not in (None, signed.session_token)
    assert rest.me(user.session_token)["objectId"] == user.object_id
    assert (await user.fetch()).get("team") == "red"

    await User.log_out()
    assert User.current() is None
    with pytest.raises(Exception, match="209"):
        rest.me(user.session_token)
    await User.log_out()  # logging out twice is harmless


async def test_wrong_password_keeps_the_current_user(configured: Any) -> None:
    name = _name()
    user = await User.sign_up(name, PASSWORD)
    with pytest.raises(RestAuthError) as excinfo:
        await User.log_in(name, "not the password")
    assert excinfo.value.code == 101
    assert User.current() is user


async def test_no_event_for_the_old_user_arrives_after_log_out(configured: Any) -> None:
    rest = configured.rest
    tag = uuid.uuid4().hex
    alice = await User.sign_up(_name(), PASSWORD)
    only_alice = {alice.object_id: {"read": True}}
    sub = await Query(CLASS).equal_to("tag", tag).subscribe()
    seen = Recorder(sub)
    private = rest.create(CLASS, {"tag": tag, "n": 1}, acl=only_alice, master=True)
    await seen.wait_for(lambda: private["objectId"] in seen.ids("create"))

    # An independent anonymous connection tells when the server is past the writes below.
    observer = LiveQueryClient(
        configured.app_id, configured.ws_url, javascript_key=configured.js_key
    )
    try:
        watched = Recorder(await observer.subscribe(Query(CLASS).equal_to("tag", tag)))
        await User.log_out()
        after = len(seen.events)
        leaked = rest.create(CLASS, {"tag": tag, "n": 2}, acl=only_alice, master=True)
        rest.update(CLASS, private["objectId"], {"n": 3}, master=True)
        rest.delete(CLASS, private["objectId"], master=True)
        public = rest.create(CLASS, {"tag": tag, "n": 4}, acl={"*": {"read": True}}, master=True)
        await watched.wait_for(lambda: public["objectId"] in watched.ids("create"))
        old_ids = {private["objectId"], leaked["objectId"]}
        assert not [
            (name, obj)
            for name, obj in seen.events[after:]
            if isinstance(obj, dict) and obj.get("objectId") in old_ids
        ]
    finally:
        await observer.close()


async def test_log_out_resubscribes_as_anonymous_at_once(configured: Any) -> None:
    rest = configured.rest
    tag = uuid.uuid4().hex
    alice = await User.sign_up(_name(), PASSWORD)
    only_alice = {alice.object_id: {"read": True}}
    sub = await Query(CLASS).equal_to("tag", tag).subscribe()
    seen = Recorder(sub)
    private = rest.create(CLASS, {"tag": tag, "n": 1}, acl=only_alice, master=True)
    await seen.wait_for(lambda: private["objectId"] in seen.ids("create"))

    await User.log_out()
    # Redone under the anonymous identity before log_out returned.
    assert seen.names()[-2:] == ["close", "open"]
    after = len(seen.events)

    leaked = rest.create(CLASS, {"tag": tag, "n": 2}, acl=only_alice, master=True)
    rest.update(CLASS, private["objectId"], {"n": 3}, master=True)
    public = rest.create(CLASS, {"tag": tag, "n": 4}, acl={"*": {"read": True}}, master=True)
    await seen.wait_for(lambda: public["objectId"] in seen.ids("create"))

    assert [(name, obj["objectId"]) for name, obj in seen.events[after:]] == [
        ("create", public["objectId"])
    ]
    assert leaked["objectId"] not in seen.ids("create")
    assert sub.is_open


async def test_become_switches_subscriptions_to_the_other_user(configured: Any) -> None:
    rest = configured.rest
    tag = uuid.uuid4().hex
    alice = await User.sign_up(_name(), PASSWORD)
    bob_data = rest.sign_up(_name(), PASSWORD)
    sub = await Query(CLASS).equal_to("tag", tag).subscribe()
    seen = Recorder(sub)
    for_alice = {alice.object_id: {"read": True}}
    for_bob = {bob_data["objectId"]: {"read": True}}

    first = rest.create(CLASS, {"tag": tag}, acl=for_alice, master=True)
    await seen.wait_for(lambda: first["objectId"] in seen.ids("create"))

    bob = await User.become(bob_data["sessionToken"])
    assert User.current() is bob
    assert bob.object_id == bob_data["objectId"]
    assert seen.names()[-2:] == ["close", "open"]
    after = len(seen.events)

    hidden = rest.create(CLASS, {"tag": tag}, acl=for_alice, master=True)
    visible = rest.create(CLASS, {"tag": tag}, acl=for_bob, master=True)
    await seen.wait_for(lambda: visible["objectId"] in seen.ids("create"))
    assert [(name, obj["objectId"]) for name, obj in seen.events[after:]] == [
        ("create", visible["objectId"])
    ]
    assert hidden["objectId"] not in seen.ids("create")


async def test_an_explicit_session_token_is_not_moved(configured: Any) -> None:
    rest = configured.rest
    tag = uuid.uuid4().hex
    carol = rest.sign_up(_name(), PASSWORD)
    await User.sign_up(_name(), PASSWORD)
    sub = await Query(CLASS).equal_to("tag", tag).subscribe(session_token=carol["sessionToken"])
    seen = Recorder(sub)
    await User.log_out()
    assert "close" not in seen.names()
    obj = rest.create(CLASS, {"tag": tag}, acl={carol["objectId"]: {"read": True}}, master=True)
    await seen.wait_for(lambda: obj["objectId"] in seen.ids("create"))


async def test_a_session_deleted_on_the_server_gives_the_typed_error(configured: Any) -> None:
    rest = configured.rest
    user = await User.sign_up(_name(), PASSWORD)
    token = user.session_token
    assert token is not None
    rest.revoke_session(token)

    with pytest.raises(AuthError) as excinfo:
        await User.become(token)
    assert excinfo.value.code == 209
    assert token not in str(excinfo.value)
    assert User.current() is user  # a failed become changes nothing

    with pytest.raises(RestAuthError) as excinfo2:
        await user.fetch()
    assert excinfo2.value.code == 209
    assert User.current() is None  # a dead current user stops being current


async def test_a_session_deleted_while_subscribed_ends_the_user_with_a_typed_error(
    configured: Any,
) -> None:
    rest = configured.rest
    tag = uuid.uuid4().hex
    user = await User.sign_up(_name(), PASSWORD)
    token = user.session_token
    assert token is not None
    sub = await Query(CLASS).equal_to("tag", tag).subscribe()
    seen = Recorder(sub)
    connection_errors: list[BaseException] = []
    standard.LiveQuery.on("error", connection_errors.append)
    try:
        rest.revoke_session(token)
        with pytest.raises(RestAuthError):
            await user.fetch()
        assert User.current() is None
        errors = [obj for name, obj in seen.events if name == "error"]
        assert [(type(e), e.code) for e in errors] == [(AuthError, 209)]
        assert [(type(e), e.code) for e in connection_errors] == [(AuthError, 209)]
        assert token not in str(errors[0])
    finally:
        standard.LiveQuery.off("error", connection_errors.append)


@pytest.mark.parse_server
async def test_the_session_watch_notices_a_deleted_session_at_once(
    parse_server_factory: Any,
) -> None:
    """With ``_Session`` among the server's LiveQuery classes, no REST call is needed."""
    server = parse_server_factory(class_names=(*CLASS_NAMES, "_Session"))
    _configure(server)
    tag = uuid.uuid4().hex
    try:
        user = await User.sign_up(_name(), PASSWORD)
        token = user.session_token
        assert token is not None
        sub = await Query(CLASS).equal_to("tag", tag).subscribe()
        seen = Recorder(sub)
        connection_errors: list[BaseException] = []
        standard.LiveQuery.on("error", connection_errors.append)
        server.rest.revoke_session(token)
        await seen.wait_for(lambda: "error" in seen.names())
        error = next(obj for name, obj in seen.events if name == "error")
        assert (type(error), error.code) == (AuthError, 209)
        assert User.current() is None
        assert [e.code for e in connection_errors if isinstance(e, AuthError)] == [209]
        # Nothing readable only by the dead session's user arrives any more.
        hidden = server.rest.create(
            CLASS, {"tag": tag}, acl={user.object_id: {"read": True}}, master=True
        )
        observer = LiveQueryClient(server.app_id, server.ws_url, javascript_key=server.js_key)
        try:
            watched = Recorder(await observer.subscribe(Query(CLASS).equal_to("tag", tag)))
            public = server.rest.create(CLASS, {"tag": tag}, acl={"*": {"read": True}}, master=True)
            await watched.wait_for(lambda: public["objectId"] in watched.ids("create"))
        finally:
            await observer.close()
        assert hidden["objectId"] not in seen.ids("create")
    finally:
        with contextlib.suppress(LiveQueryError):
            await User.log_out()
        await standard.LiveQuery.close()
