"""The synchronous API: connect, subscribe, iterate or ``recv(timeout=...)``, close, threads."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from support.memory_parse import MemoryParse

import livequery_cli as lq
from livequery_cli.sync import Client, connect

GAME = {"className": "Game", "where": {}}
URL = "ws://memory.invalid/parse"


def obj(n: int) -> dict[str, Any]:
    return {"className": "Game", "objectId": f"g{n}", "n": n}


def push(client: Client, parse: MemoryParse, request_id: int, *numbers: int) -> None:
    for n in numbers:
        client._thread.run(parse.create(request_id, obj(n)))


def test_subscribe_recv_and_iterate_without_asyncio() -> None:
    parse = MemoryParse()
    with connect("app", URL, connect=parse.connector) as client:
        assert client.state == "connected"
        with client.subscribe(GAME) as sub:
            push(client, parse, sub.subscription.request_id, 0, 1, 2)
            assert sub.recv(timeout=5).object["n"] == 0
            seen = []
            for event in sub:
                seen.append(event.object["n"])
                if len(seen) == 2:
                    break
            assert seen == [1, 2]
            assert sub.closed  # leaving the loop early unsubscribed
    assert client.state == "closed"
    assert not client._thread.running


def test_recv_times_out_and_keeps_the_subscription() -> None:
    parse = MemoryParse()
    with connect("app", URL, connect=parse.connector) as client:
        sub = client.subscribe(GAME)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            sub.recv(timeout=0.2)
        assert time.monotonic() - started < 5
        assert not sub.closed
        push(client, parse, sub.subscription.request_id, 7)
        assert sub.recv(timeout=5).object["n"] == 7
        sub.close()
        with pytest.raises(EOFError):
            sub.recv(timeout=5)


def test_usable_from_several_threads() -> None:
    parse = MemoryParse()
    with connect("app", URL, connect=parse.connector) as client:
        subs = [client.subscribe(GAME) for _ in range(3)]
        results: dict[int, list[int]] = {}

        def read(index: int) -> None:
            results[index] = [subs[index].recv(timeout=10).object["n"] for _ in range(5)]

        threads = [threading.Thread(target=read, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for sub in subs:
            push(client, parse, sub.subscription.request_id, *range(5))
        for t in threads:
            t.join(15)
        assert results == {i: list(range(5)) for i in range(3)}


def test_a_wrong_url_raises_connection_failed_and_leaves_no_thread() -> None:
    before = threading.active_count()
    with pytest.raises(lq.ConnectionFailedError):
        connect("app", "ws://127.0.0.1:1/parse", connect_timeout=0.3)
    assert threading.active_count() == before


def test_a_bad_argument_raises_and_leaves_no_thread() -> None:
    before = threading.active_count()
    with pytest.raises(lq.ConfigError):
        Client("app", "http://127.0.0.1:1/parse")
    assert threading.active_count() == before
