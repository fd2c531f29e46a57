"""pytest fixtures for tests against a real Parse Server 9 (star-imported by tests/conftest.py).

- ``postgres``: one throwaway PostgreSQL cluster for the whole session.
- ``parse_server``: one shared Parse Server (with LiveQuery) for the session; a
  test that kills it and fails before restarting it does not break the next
  test, which finds it restarted.
- ``parse_server_factory``: extra servers for one test (a second independent
  app, or a second node on the same database and Redis); stopped after the test.
- ``sdk_tail``: start the Parse JS SDK as a reference LiveQuery subscriber.
- ``unique_tag``: a fresh string to put in a field, so a test only sees its own
  objects on the shared classes.
- ``redis_server``: a private Redis, for several Parse Server nodes of one app
  (``parse_server_factory(**node.peer_options())`` with ``redis_url=``).
- ``lq_server`` / ``lq_server_factory``: the embedded ``lq serve``, with the same
  handle interface as ``parse_server``.
- ``server``: parametrized over both, for suites that must hold against Parse
  Server and ``lq serve`` alike (the Parse Server run carries ``parse_server``).

Without Node or PostgreSQL these tests are skipped on a developer's machine,
but fail under CI (env ``CI`` set): there they must never be skipped silently.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NoReturn

import pytest
from support.lq_server import LqServer, lq_server, lq_server_factory
from support.parse_server import (
    CLASS_NAMES,
    ParseServer,
    ParseServerUnavailable,
    node_unavailable_reason,
)
from support.postgres import PostgresCluster, PostgresUnavailable, missing_binaries
from support.redis import RedisServer, RedisUnavailable, redis_binary
from support.sdk_tail import SdkTail, ServerAddress

__all__ = [
    "CLASS_NAMES",
    "LqServer",
    "ParseServer",
    "ParseServerFactory",
    "SdkTail",
    "SdkTailFactory",
    "lq_server",
    "lq_server_factory",
    "parse_server",
    "parse_server_factory",
    "postgres",
    "redis_server",
    "rig_keep_parse_server_alive",
    "sdk_tail",
    "server",
    "unique_tag",
]


def _unavailable(reason: str) -> NoReturn:
    """Skip locally, fail in CI."""
    if os.environ.get("CI"):
        pytest.fail(f"Parse Server rig unavailable in CI: {reason}", pytrace=False)
    pytest.skip(f"Parse Server rig unavailable: {reason}")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    reason = missing_binaries()
    if reason is not None:
        _unavailable(reason)
    try:
        cluster = PostgresCluster().start()
    except PostgresUnavailable as error:
        _unavailable(str(error))
    try:
        yield cluster
    finally:
        cluster.stop()


def _new_server(cluster: PostgresCluster, **options: Any) -> ParseServer:
    reason = node_unavailable_reason()
    if reason is not None:
        _unavailable(reason)
    database_uri = options.pop("database_uri", None) or cluster.create_database()
    server = ParseServer(database_uri, **options)
    try:
        server.start()
    except ParseServerUnavailable as error:
        server.close()
        _unavailable(str(error))
    except BaseException:
        server.close()
        raise
    return server


@pytest.fixture(scope="session")
def parse_server(postgres: PostgresCluster) -> Iterator[ParseServer]:
    """The shared Parse Server: ``.rest_url``, ``.ws_url``, keys, ``.rest``, ``.kill()``..."""
    server = _new_server(postgres)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
def rig_keep_parse_server_alive(request: pytest.FixtureRequest) -> None:
    """Restart the shared server if an earlier test killed it and left it down."""
    if "parse_server" in request.fixturenames:
        server: ParseServer = request.getfixturevalue("parse_server")
        server.ensure_running()


ParseServerFactory = Callable[..., ParseServer]


@pytest.fixture
def parse_server_factory(postgres: PostgresCluster) -> Iterator[ParseServerFactory]:
    """``make(**options) -> ParseServer``, started, on its own new database by default.

    Options are :class:`rig.parse_server.ParseServer`'s: ``database_uri=`` (share
    a database, e.g. two nodes of one app; then pass the same ``app_id`` and
    keys too), ``redis_url=``, ``class_names=``, ``app_id=``, ``master_key=``...
    """
    servers: list[ParseServer] = []

    def make(**options: Any) -> ParseServer:
        server = _new_server(postgres, **options)
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.close()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A private Redis for this test (``.url`` for ``redis_url=``); multi-node LiveQuery."""
    if redis_binary() is None:
        _unavailable("redis-server is not installed (apt-get install redis-server)")
    try:
        server = RedisServer().start()
    except RedisUnavailable as error:
        _unavailable(str(error))
    try:
        yield server
    finally:
        server.stop()


SdkTailFactory = Callable[..., SdkTail]


@pytest.fixture
def sdk_tail() -> Iterator[SdkTailFactory]:
    """``start(server, class_name, where=None, *, session_token=None, master=False, ...)``."""
    tails: list[SdkTail] = []

    def start(
        server: ServerAddress,
        class_name: str,
        where: Mapping[str, Any] | None = None,
        *,
        wait_subscribed: bool = True,
        keys: Sequence[str] | None = None,
        watch: Sequence[str] | None = None,
        **options: Any,
    ) -> SdkTail:
        tail = SdkTail(server, class_name, where, keys=keys, watch=watch, **options)
        tails.append(tail)
        if wait_subscribed:
            tail.wait_subscribed()
        return tail

    try:
        yield start
    finally:
        for tail in tails:
            tail.close()


@pytest.fixture
def unique_tag() -> str:
    """A fresh value for a test to put in a field and query on (isolation on shared classes)."""
    return f"t-{uuid.uuid4().hex}"


_BOTH_SERVERS = [pytest.param("parse_server", marks=pytest.mark.parse_server), "lq_server"]


@pytest.fixture(params=_BOTH_SERVERS)
def server(request: pytest.FixtureRequest) -> Any:
    """A running server handle (``.rest_url``, ``.ws_url``, keys, ``.rest``) of each kind."""
    return request.getfixturevalue(request.param)
