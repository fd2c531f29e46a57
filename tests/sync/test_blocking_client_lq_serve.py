"""The synchronous API against ``lq serve``: a plain script's view, no event loop anywhere."""

from __future__ import annotations

from support.lq_server import LqServer

import livequery_cli as lq
from livequery_cli.sync import connect


def test_a_script_subscribes_and_reads_events_with_a_timeout(
    lq_server: LqServer, unique_tag: str
) -> None:
    with connect(lq_server.app_id, lq_server.ws_url, javascript_key=lq_server.js_key) as client:
        query = lq.Query("Game").equal_to("tag", unique_tag)
        with client.subscribe(query, timeout=10) as sub:
            made = [lq_server.rest.create("Game", {"tag": unique_tag, "n": n}) for n in range(3)]
            got = [sub.recv(timeout=10) for _ in made]
            assert [e.object["objectId"] for e in got] == [m["objectId"] for m in made]
            assert {e.op for e in got} == {"create"}
