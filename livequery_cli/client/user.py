"""The current user: sign up, log in, log out, ``become``; and what that means for live queries.

The seed warns that after logging out (or when a token goes bad) every
subscription must be redone, or events meant for the old user keep arriving:
Parse Server's LiveQuery keeps the token a subscription was made with, and
Parse's own SDK leaves the redo to the app. Here it is the library's job.
Every change of identity (``log_in``, ``sign_up``, ``become``, ``log_out``)
hands the new token to the standard API (``standard.switch_identity``), which
re-subscribes every subscription that follows the current user under the new
identity and returns only when the server has confirmed them all. So once
``log_out()`` returns, no event readable only by the old user can arrive.

A session can also end behind the client's back (logged out elsewhere,
revoked by an admin, expired). Parse Server's LiveQuery never says so: it
keeps a subscription's token for as long as its cache holds it and then just
stops sending. So while a user is current and the standard API is in use, a
watch subscription on the user's own ``_Session`` objects reports a deleted
session at once (when the server publishes ``_Session`` through LiveQuery),
and Parse's 209 answers it at subscribe time otherwise. A session found dead
(by that watch, or by a REST 209 in ``fetch()``) ends the current user like
``log_out()`` and emits a typed ``AuthError`` (code 209) as ``error`` on each
moved subscription and on the shared connection; nothing retries the token.

The REST calls use the globally configured server (``livequery_cli.configure``)
with the application id and JavaScript key only: the master key is never sent
with a user's credentials, so a user operation can never act as master.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Awaitable, Mapping
from typing import Any, ClassVar

from livequery_cli.client import standard
from livequery_cli.client.subscription import Subscription
from livequery_cli.exceptions import AuthError, LiveQueryError, RestAuthError
from livequery_cli.parse.errors import ErrorCode

__all__ = ["User"]

# One identity change at a time per event loop: a log_out racing a log_in must
# not leave subscriptions under one user while ``current()`` says another.
_switch_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _switch_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _switch_locks.get(loop)
    if lock is None:
        lock = _switch_locks[loop] = asyncio.Lock()
    return lock


def _current_session_token() -> str | None:
    """The standard API's default token; its call means a subscription follows the user."""
    user = User.current()
    if user is None:
        return None
    if _watch is not None:
        _watch.start_soon()
    return user.session_token


async def _switch_identity(session_token: str | None) -> list[Subscription]:
    """Move the standard API's subscriptions that follow the current user to ``session_token``.

    ``standard.switch_identity`` emits ``close`` on each subscription made
    without an explicit token, re-subscribes it in place under the new token
    (dropping events still in flight for the old identity), emits ``open``
    once the server confirmed it, and returns the moved subscriptions.
    """
    return await standard.switch_identity(session_token)


async def _session_ended(session_token: str) -> None:
    """The server no longer knows ``session_token``: end the user it made current, loudly."""
    async with _switch_lock():
        user = User._current
        if user is None or user.session_token != session_token:
            return
        User._current = None
        await _stop_watch()
        moved = await _switch_identity(None)
    error = AuthError(
        "the session ended on the server (invalid session token): log in again",
        code=ErrorCode.INVALID_SESSION_TOKEN,
        reconnect=False,
    )
    for sub in moved:
        sub.emit("error", error)
    client = standard.LiveQuery.client
    if client is not None:
        client.emit("error", error)


_SESSION_QUERY: dict[str, Any] = {"className": "_Session", "where": {}}


class _SessionWatch:
    """A LiveQuery subscription on the current user's ``_Session`` objects.

    Parse restricts a ``_Session`` subscription to the sessions of the token's
    user, answers an invalid token with error 209, and (when ``_Session`` is
    among its LiveQuery classes) sends ``delete`` when a session is removed.
    Another of the user's sessions ending is no reason to log out, so a
    ``delete`` triggers a ``users/me`` check of this token rather than a verdict.
    The watch is best effort: any other failure just leaves it off.
    """

    def __init__(self, session_token: str) -> None:
        self.session_token = session_token
        self._sub: Subscription | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = False

    def start_soon(self) -> None:
        if self._stopped or self._tasks or (self._sub is not None and not self._sub.closed):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._spawn(loop, self.start())

    async def start(self) -> None:
        if self._stopped or (self._sub is not None and not self._sub.closed):
            return
        try:
            sub = await standard.LiveQuery.subscribe(
                dict(_SESSION_QUERY), session_token=self.session_token
            )
        except AuthError as exc:
            if exc.code == ErrorCode.INVALID_SESSION_TOKEN:
                self._spawn(asyncio.get_running_loop(), _session_ended(self.session_token))
            return
        except LiveQueryError:
            return
        if self._stopped:
            await _quietly_unsubscribe(sub)
            return
        self._sub = sub
        sub.on("delete", self._on_session_gone)
        sub.on("leave", self._on_session_gone)
        sub.on("error", self._on_error)

    async def stop(self) -> None:
        self._stopped = True
        current = asyncio.current_task()
        pending = [task for task in self._tasks if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if self._sub is not None:
            await _quietly_unsubscribe(self._sub)

    def _on_session_gone(self, *_: Any) -> None:
        self._spawn(asyncio.get_running_loop(), self._check())

    def _on_error(self, error: BaseException) -> None:
        if isinstance(error, AuthError) and error.code == ErrorCode.INVALID_SESSION_TOKEN:
            self._spawn(asyncio.get_running_loop(), _session_ended(self.session_token))

    async def _check(self) -> None:
        try:
            async with standard.rest_client(self.session_token) as client:
                await client.me()
        except RestAuthError:
            await _session_ended(self.session_token)
        except LiveQueryError:
            pass  # cannot tell (server unreachable): the next check decides

    def _spawn(self, loop: asyncio.AbstractEventLoop, work: Awaitable[None]) -> None:
        async def run() -> None:
            await work

        task = loop.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


_watch: _SessionWatch | None = None


async def _stop_watch() -> None:
    global _watch
    watch, _watch = _watch, None
    if watch is not None:
        await watch.stop()


async def _quietly_unsubscribe(sub: Subscription) -> None:
    with contextlib.suppress(LiveQueryError):
        await sub.unsubscribe()


class User:
    """A Parse user as the server returned it, plus its session token.

    Fields are read with ``user.get(name)`` or ``user[name]``; ``data`` is a copy
    of them all. The session token is kept out of ``data`` and ``repr``.
    """

    _current: ClassVar[User | None] = None

    def __init__(self, data: Mapping[str, Any], session_token: str | None = None) -> None:
        fields = dict(data)
        token = fields.pop("sessionToken", None)
        fields.pop("password", None)
        self._data = fields
        self._session_token = session_token or (token if isinstance(token, str) else None)

    def __repr__(self) -> str:
        return f"User(username={self.username!r}, objectId={self.object_id!r})"

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def get(self, key: str, default: Any = None) -> Any:
        """A field of the user, or ``default``."""
        return self._data.get(key, default)

    @property
    def data(self) -> dict[str, Any]:
        """A copy of the user's fields, as the server returned them."""
        return dict(self._data)

    @property
    def object_id(self) -> str | None:
        """The user's ``objectId`` (None before sign-up)."""
        value = self._data.get("objectId")
        return value if isinstance(value, str) else None

    @property
    def username(self) -> str | None:
        """The user's ``username``."""
        value = self._data.get("username")
        return value if isinstance(value, str) else None

    @property
    def session_token(self) -> str | None:
        """The session token of a logged-in user (never printed in reprs or logs)."""
        return self._session_token

    # -- identity -----------------------------------------------------------------

    @classmethod
    def current(cls) -> User | None:
        """The logged-in user, or None. Purely local: no request is made."""
        return User._current

    @classmethod
    async def sign_up(cls, username: str, password: str, **fields: Any) -> User:
        """Create a user and make it the current user."""
        async with standard.rest_client() as client:
            data = await client.sign_up(username, password, **fields)
        user = cls(data)
        await cls._make_current(user)
        return user

    @classmethod
    async def log_in(cls, username: str, password: str) -> User:
        """Log in and make the user current; wrong credentials raise ``RestAuthError`` (101)."""
        async with standard.rest_client() as client:
            data = await client.log_in(username, password)
        user = cls(data)
        await cls._make_current(user)
        return user

    @classmethod
    async def become(cls, session_token: str) -> User:
        """Make the owner of ``session_token`` the current user.

        The token is checked with ``users/me`` first: an invalid or expired
        token raises ``RestAuthError`` (209) and leaves the current user as it was.
        """
        async with standard.rest_client(session_token) as client:
            data = await client.me()
        user = cls(data, session_token)
        await cls._make_current(user)
        return user

    @classmethod
    async def log_out(cls) -> None:
        """Forget the current user, move subscriptions off its token, end its session.

        The subscriptions are moved first, so nothing readable only by the old
        user arrives from the moment this is called; then the session is ended
        on the server. A session the server already dropped (209) counts as
        logged out; a transport failure is raised after the local state is
        cleared, since the session may still be valid on the server.
        """
        async with _switch_lock():
            user, User._current = User._current, None
            await _stop_watch()
            await _switch_identity(None)
        if user is None or user.session_token is None:
            return
        async with standard.rest_client(user.session_token) as client:
            with contextlib.suppress(RestAuthError):  # already ended: that is logged out
                await client.log_out()

    async def fetch(self) -> User:
        """Refresh this user's fields from ``users/me``; a dead token raises ``RestAuthError``.

        When the token turns out to be invalid and this is the current user,
        it stops being current, the subscriptions move off the token as with
        ``log_out()``, and they get the ``AuthError`` too, before it is raised here.
        """
        token = self._session_token
        if token is None:
            raise RestAuthError(
                "this user has no session token", status=400, code=ErrorCode.INVALID_SESSION_TOKEN
            )
        try:
            async with standard.rest_client(token) as client:
                data = await client.me()
        except RestAuthError as exc:
            if exc.code == ErrorCode.INVALID_SESSION_TOKEN:
                await _session_ended(token)
            raise
        self._data = {k: v for k, v in data.items() if k not in ("sessionToken", "password")}
        return self

    @classmethod
    async def _make_current(cls, user: User) -> None:
        global _watch
        async with _switch_lock():
            await _stop_watch()
            User._current = user
            token = user.session_token
            watch = _watch = _SessionWatch(token) if token else None
            moved = await _switch_identity(token)
            if watch is not None and (moved or standard.LiveQuery.client is not None):
                await watch.start()


standard.set_current_session_token_provider(_current_session_token)
