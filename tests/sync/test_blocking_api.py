"""The synchronous API against a real ``lq serve``: blocking reads, timeouts, threads, closing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from support.lq_server import LqServer
from support.waiting import until

from livequery_cli.exceptions import InvalidStateError
from livequery_cli.sync import LiveQueryClient, connect


@pytest.fixture
def client(lq_server: LqServer) -> Iterator[LiveQueryClient]:
    with connect(lq_server.app_id, lq_server.ws_url, javascript_key=lq_server.js_key) as opened:
        yield opened


def _query(tag: str) -> dict[str, object]:
    return {"className": "Game", "where": {"tag": tag}}


def test_recv_blocks_until_an_event_and_times_out_without_one(
    client: LiveQueryClient, lq_server: LqServer, unique_tag: str
) -> None:
    with client.subscribe(_query(unique_tag)) as sub:
        with pytest.raises(TimeoutError):
            sub.recv(timeout=0.2)
        created = lq_server.rest.create("Game", {"tag": unique_tag})
        event = sub.recv(timeout=15)
        assert (event.op, event.object["objectId"]) == ("create", created["objectId"])


def test_iteration_ends_when_another_thread_closes_the_subscription(
    client: LiveQueryClient, lq_server: LqServer, unique_tag: str
) -> None:
    sub = client.subscribe(_query(unique_tag))
    seen: list[str] = []
    done = threading.Event()

    def read() -> None:
        for event in sub:
            seen.append(event.op)
        done.set()

    reader = threading.Thread(target=read)
    reader.start()
    lq_server.rest.create("Game", {"tag": unique_tag})
    lq_server.rest.create("Game", {"tag": unique_tag})
    until(lambda: len(seen) >= 2, timeout=15, what="two events in the reading thread")
    sub.close()
    assert done.wait(15)
    reader.join(15)
    assert seen == ["create", "create"]
    with pytest.raises(InvalidStateError):
        sub.recv(timeout=0)


def test_a_slow_reader_loses_nothing_and_memory_is_bounded(
    lq_server: LqServer, unique_tag: str
) -> None:
    with (
        connect(
            lq_server.app_id, lq_server.ws_url, javascript_key=lq_server.js_key, max_queue=4
        ) as small,
        small.subscribe(_query(unique_tag)) as sub,
    ):
        for n in range(30):
            lq_server.rest.create("Game", {"tag": unique_tag, "n": n})
        got = [sub.recv(timeout=15).object["n"] for _ in range(30)]
    assert got == list(range(30))


def test_several_threads_subscribe_on_one_client(
    client: LiveQueryClient, lq_server: LqServer, unique_tag: str
) -> None:
    results: dict[int, str] = {}

    def one(i: int) -> None:
        with client.subscribe(_query(f"{unique_tag}-{i}")) as sub:
            lq_server.rest.create("Game", {"tag": f"{unique_tag}-{i}"})
            results[i] = sub.recv(timeout=15).object["tag"]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results == {i: f"{unique_tag}-{i}" for i in range(4)}


def test_closing_the_client_stops_its_thread(lq_server: LqServer) -> None:
    before = threading.active_count()
    client = connect(lq_server.app_id, lq_server.ws_url, javascript_key=lq_server.js_key)
    client.close()
    client.close()  # idempotent
    assert threading.active_count() <= before
