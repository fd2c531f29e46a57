"""Failover between two Parse Server LiveQuery nodes sharing one Redis.

``lq`` gets both nodes' URLs; writes through either node reach it; killing
the node it is connected to moves it to the other, and the resync leaves its
picture equal to the server's ``find``.
"""

from __future__ import annotations

import signal

import pytest
from cli.tail.test_resync import Picture, Writer, _expr, server_ids
from support.fixtures import ParseServerFactory
from support.lq_process import LqProcess
from support.postgres import PostgresCluster
from support.redis import RedisServer

pytestmark = [pytest.mark.parse_server, pytest.mark.slow]


def test_failover_to_the_other_node_and_resync(
    postgres: PostgresCluster,
    redis_server: RedisServer,
    parse_server_factory: ParseServerFactory,
    unique_tag: str,
) -> None:
    first = parse_server_factory(
        database_uri=postgres.create_database(), redis_url=redis_server.url
    )
    second = parse_server_factory(**first.peer_options())
    proc = LqProcess(
        ["tail", "Game", *_expr(unique_tag), "--snapshot", "--json", "--status-events"],
        env={
            "LQ_SERVER_URL": second.rest_url,
            "LQ_APP_ID": first.app_id,
            "LQ_JS_KEY": first.js_key,
            "LQ_LIVE_QUERY_URL": f"{first.ws_url},{second.ws_url}",
        },
    )
    try:
        picture = Picture(proc)
        picture.read_until(lambda r: r.get("state") == "synced")
        assert proc.wait_stderr("connected to").endswith(first.ws_url)
        # Writes through either node reach lq (connected to the first).
        for node in (first, second):
            obj = node.rest.create("Game", {"tag": unique_tag, "score": 77})
            picture.read_until(lambda r, oid=obj["objectId"]: r.get("id") == oid)
        writer = Writer(second, unique_tag, seed=11)
        writer.run(10)
        first.kill()
        writer.run(10)  # while lq moves over
        picture.read_until(lambda r: r.get("state") == "resynced")
        assert proc.wait_stderr("reconnected to").endswith(second.ws_url)
        marker = second.rest.create("Game", {"tag": unique_tag, "score": 88})
        picture.read_until(lambda r: r.get("id") == marker["objectId"])
        assert set(picture.members) == server_ids(second, unique_tag)
        proc.signal(signal.SIGINT)
        assert proc.wait() == 130
    finally:
        proc.close()
