"""What the LiveQuery side needs to know about a session token, and nothing more.

The hub and the connections decide what a client may read from an
:class:`~livequery_cli.server.acl.Identity` looked up by session token. The
embedded server answers from its own SQLite tables (``auth.AuthService``); a
LiveQuery node of a Parse Server cluster answers from identities it fetched
over REST beforehand (``cluster.parse_identity``). Both answer synchronously
from memory, so the fan-out never waits on I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from livequery_cli.server.acl import Identity


class IdentitySource(Protocol):
    """Session token -> identity, as the LiveQuery hub and connections ask for it."""

    def identity_for_token(self, token: str | None, *, master: bool = False) -> Identity | None:
        """The identity of a session token; None when the token is not (known to be) valid."""

    def user_id_for_token(self, token: str) -> str | None:
        """The user a valid session token belongs to, else None."""

    def on_revoke(self, listener: Callable[[str], None]) -> None:
        """Call ``listener(token)`` whenever a session ends."""
