"""Session token -> user -> roles, fetched from the Parse Server and kept fresh in memory.

The fan-out asks for identities synchronously (see
:class:`~livequery_cli.server.identity_source.IdentitySource`), so every
lookup happens before it is needed: a client's tokens are fetched when it
subscribes (:meth:`ParseIdentity.ensure`), and a background loop refetches
the tokens in use once they are older than half the cache timeout (Parse's
``cacheTimeout``). An entry older than the whole timeout is *unknown*: it
grants nothing, so a REST outage can withhold events but never leak one, and
the node later closes the affected clients so they resync
(:attr:`ParseIdentity.unknown_used`).

A token Parse answers 209 for is invalid: revocation listeners hear about it
(the hub drops its subscriptions with error 209). ``_Session`` deletes and
``clearCache`` / ``_Role`` messages from Redis trigger the same work at once
instead of waiting for the timeout.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from livequery_cli.server.acl import Identity
from livequery_cli.server.cluster.parse_rest import ParseRest, ParseUnavailable

log = logging.getLogger("livequery_cli.server.cluster")

DEFAULT_CACHE_TIMEOUT_S = 30.0
_REFRESH_CONCURRENCY = 8


@dataclass
class _Entry:
    user_id: str | None  # None: Parse said the token is invalid
    identity: Identity | None
    fetched_at: float


class ParseIdentity:
    """An :class:`IdentitySource` backed by a Parse Server's REST API."""

    def __init__(
        self,
        rest: ParseRest,
        *,
        cache_timeout: float = DEFAULT_CACHE_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rest = rest
        self.cache_timeout = cache_timeout
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._pending: dict[str, asyncio.Future[_Entry]] = {}
        self._listeners: list[Callable[[str], None]] = []
        self._limit = asyncio.Semaphore(_REFRESH_CONCURRENCY)
        #: tokens that were asked for while unknown (an event may have been withheld)
        self.unknown_used: set[str] = set()
        self.failures = 0
        self.last_failure: str | None = None

    # -- IdentitySource (synchronous, memory only) -----------------------------

    def on_revoke(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def _entry(self, token: str) -> _Entry | None:
        entry = self._entries.get(token)
        if entry is None or self._clock() - entry.fetched_at > self.cache_timeout:
            self.unknown_used.add(token)
            return None
        return entry

    def is_unknown(self, token: str | None) -> bool:
        """True when ``token`` is set but its identity is not known now (fail closed)."""
        if not token:
            return False
        entry = self._entries.get(token)
        return entry is None or self._clock() - entry.fetched_at > self.cache_timeout

    def identity_for_token(self, token: str | None, *, master: bool = False) -> Identity | None:
        if not token:
            return Identity(master=master)
        entry = self._entry(token)
        if entry is None or entry.identity is None:
            return None
        if master:
            return Identity(True, entry.identity.user_id, entry.identity.roles)
        return entry.identity

    def user_id_for_token(self, token: str) -> str | None:
        entry = self._entry(token)
        return None if entry is None else entry.user_id

    # -- fetching ----------------------------------------------------------------

    async def _fetch(self, token: str) -> _Entry:
        async with self._limit:
            user_id = await self.rest.user_id_for_token(token)
            roles = await self.rest.roles_of(user_id) if user_id is not None else frozenset()
        identity = None if user_id is None else Identity(user_id=user_id, roles=roles)
        return _Entry(user_id, identity, self._clock())

    async def ensure(self, token: str, *, max_age: float | None = None) -> None:
        """Make ``token``'s identity known and at most ``max_age`` old (default: the timeout).

        Raises :class:`ParseUnavailable` when the Parse Server cannot answer.
        """
        limit = self.cache_timeout if max_age is None else max_age
        entry = self._entries.get(token)
        if entry is not None and self._clock() - entry.fetched_at <= limit:
            return
        await self._refresh(token)

    async def _refresh(self, token: str) -> None:
        pending = self._pending.get(token)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(token))
            self._pending[token] = pending
            pending.add_done_callback(lambda _f: self._pending.pop(token, None))
        try:
            entry = await asyncio.shield(pending)
        except ParseUnavailable as exc:
            self.failures += 1
            self.last_failure = str(exc)
            raise
        previous = self._entries.get(token)
        self._entries[token] = entry
        if entry.user_id is None and previous is not None and previous.user_id is not None:
            self._revoked(token)

    async def refresh(self, tokens: Iterable[str], *, max_age: float | None = None) -> int:
        """Refetch ``tokens`` older than ``max_age`` (all of them when None); returns failures.

        A token that cannot be refetched is forgotten: it grants nothing until Parse answers.
        """
        wanted = [t for t in set(tokens) if t]

        async def one(token: str) -> bool:
            try:
                if max_age is None:
                    await self._refresh(token)
                else:
                    await self.ensure(token, max_age=max_age)
            except ParseUnavailable:
                if max_age is None:
                    self._entries.pop(token, None)
                return False
            return True

        results = await asyncio.gather(*(one(t) for t in wanted))
        failed = results.count(False)
        if failed:
            log.warning(
                "Parse Server %s did not answer %d identity lookup(s) (%s); "
                "events needing them are withheld until it does",
                self.rest.server_url,
                failed,
                self.last_failure,
            )
        return failed

    def forget_unused(self, in_use: set[str]) -> None:
        """Drop cached identities no client holds any more."""
        for token in [t for t in self._entries if t not in in_use]:
            del self._entries[token]
        self.unknown_used &= in_use

    # -- what Redis tells us ----------------------------------------------------

    def _revoked(self, token: str) -> None:
        for listener in list(self._listeners):
            listener(token)

    def revoke(self, token: str) -> None:
        """A ``_Session`` was deleted: its token is invalid from now on."""
        self._entries[token] = _Entry(None, None, self._clock())
        self._revoked(token)

    def user_deleted(self, user_id: str) -> None:
        for token, entry in list(self._entries.items()):
            if entry.user_id == user_id:
                self.revoke(token)
