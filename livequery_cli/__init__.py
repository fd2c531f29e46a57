"""Live queries on Parse-compatible servers: a client library, the ``lq`` CLI and ``lq serve``.

``import livequery_cli as lq`` gives the whole public API (``__all__``, checked
by ``tests/test_public_api.py``). Names are imported on first use, not here:
the ``lq`` console script imports this package, and ``lq --version`` must not
pay for websockets, aiohttp and the client before it prints a line.
"""

from __future__ import annotations

from livequery_cli.lazy_exports import lazy_exports

# Not ``typing.TYPE_CHECKING``: importing ``typing`` costs start-up time that
# ``lq --version`` does not need (mypy treats any ``TYPE_CHECKING`` as true).
TYPE_CHECKING = False

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "configure": "livequery_cli.client.standard",
    "LiveQuery": "livequery_cli.client.standard",
    "LiveQueryClient": "livequery_cli.client.live_query_client",
    "Subscription": "livequery_cli.client.subscription",
    "Event": "livequery_cli.client.subscription",
    "ReconnectPolicy": "livequery_cli.client.backoff",
    "State": "livequery_cli.protocol.connection",
    "Query": "livequery_cli.client.query",
    "GeoPoint": "livequery_cli.client.query",
    "Pointer": "livequery_cli.client.query",
    "User": "livequery_cli.client.user",
    "subscribe_synced": "livequery_cli.synced",
    "SyncedSubscription": "livequery_cli.synced",
    "SyncedEvent": "livequery_cli.synced",
    "RestClient": "livequery_cli.client.rest",
    "AuthError": "livequery_cli.exceptions",
    "ConfigError": "livequery_cli.exceptions",
    "ConnectionFailedError": "livequery_cli.exceptions",
    "InvalidStateError": "livequery_cli.exceptions",
    "LiveQueryError": "livequery_cli.exceptions",
    "ProtocolError": "livequery_cli.exceptions",
    "QueryError": "livequery_cli.exceptions",
    "QueryTypeError": "livequery_cli.exceptions",
    "RestAuthError": "livequery_cli.exceptions",
    "RestError": "livequery_cli.exceptions",
    "ServerError": "livequery_cli.exceptions",
    "SubscriptionOverflowError": "livequery_cli.exceptions",
    "TransportError": "livequery_cli.exceptions",
    "WhereSyntaxError": "livequery_cli.exceptions",
}

__all__ = [
    "AuthError",
    "ConfigError",
    "ConnectionFailedError",
    "Event",
    "GeoPoint",
    "InvalidStateError",
    "LiveQuery",
    "LiveQueryClient",
    "LiveQueryError",
    "Pointer",
    "ProtocolError",
    "Query",
    "QueryError",
    "QueryTypeError",
    "ReconnectPolicy",
    "RestAuthError",
    "RestClient",
    "RestError",
    "ServerError",
    "State",
    "Subscription",
    "SubscriptionOverflowError",
    "SyncedEvent",
    "SyncedSubscription",
    "TransportError",
    "User",
    "WhereSyntaxError",
    "__version__",
    "configure",
    "subscribe_synced",
]

if TYPE_CHECKING:
    from livequery_cli.client.backoff import ReconnectPolicy
    from livequery_cli.client.live_query_client import LiveQueryClient
    from livequery_cli.client.query import GeoPoint, Pointer, Query
    from livequery_cli.client.rest import RestClient
    from livequery_cli.client.standard import LiveQuery, configure
    from livequery_cli.client.subscription import Event, Subscription
    from livequery_cli.client.user import User
    from livequery_cli.exceptions import (
        AuthError,
        ConfigError,
        ConnectionFailedError,
        InvalidStateError,
        LiveQueryError,
        ProtocolError,
        QueryError,
        QueryTypeError,
        RestAuthError,
        RestError,
        ServerError,
        SubscriptionOverflowError,
        TransportError,
        WhereSyntaxError,
    )
    from livequery_cli.protocol.connection import State
    from livequery_cli.synced import SyncedEvent, SyncedSubscription, subscribe_synced

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
