"""``lq tail`` resyncs after a cut with exactly the right synthetic events.

The resync of ``lq tail``'s lean picture reads versions first and whole
objects only for what it prints; whatever the servers do in between, the
records must be those of a plain comparison: ``enter`` and ``update`` with
whole objects, ``leave`` with just the id and the last version seen.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from support.fault_proxy import FaultProxy
from support.lq_process import LqProcess
from support.targets import SERVER_PARAMS, Server, create, server_for, ws_path
from support.waiting import Deadline

CLASS = "Game"
WAIT_S = 30.0


@pytest.fixture(params=SERVER_PARAMS)
def server(request: pytest.FixtureRequest) -> Server:
    return server_for(request)


@pytest.fixture
async def proxy(server: Server) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(server.port) as running:
        yield running


@pytest.fixture
def started() -> Iterator[list[LqProcess]]:
    processes: list[LqProcess] = []
    yield processes
    for process in processes:
        process.close()
        assert not any("Traceback" in line for line in process.stderr_seen)


async def read_until_status(process: LqProcess, state: str) -> list[dict[str, Any]]:
    """The records before the next ``state`` status record, and that record last."""
    records: list[dict[str, Any]] = []
    deadline = Deadline(WAIT_S)
    while True:
        remaining = deadline.remaining(f"a {state} status after {records}")
        [line] = await asyncio.to_thread(process.read_stdout, 1, remaining)
        record = json.loads(line)
        records.append(record)
        if record.get("kind") == "status" and record.get("state") == state:
            return records


async def write_something_newer(server: Server, than: str) -> None:
    """Make the class's newest version newer than ``than`` (another tag, never matched).

    ``lq tail`` reads that version before subscribing, and a silent seed
    reports members at it or newer as possible news (see docs/cli.md).
    """
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        other = await create(server, CLASS, {"tag": "lean-resync-filler", "score": 0})
        if other["updatedAt"] > than:
            return
    raise AssertionError("the server's clock does not move")


async def test_a_resync_after_a_cut_prints_exactly_the_differences(
    server: Server, proxy: FaultProxy, unique_tag: str, started: list[LqProcess]
) -> None:
    before = [
        await create(server, CLASS, {"tag": unique_tag, "n": i, "score": 20}) for i in range(6)
    ]
    ids = [o["objectId"] for o in before]
    await write_something_newer(server, before[-1]["updatedAt"])
    where = {"tag": unique_tag, "score": {"$gte": 10}}
    process = LqProcess(
        ["tail", CLASS, "--json", "--status-events", "--where-json", json.dumps(where),
         "--app-id", server.app_id, "--js-key", server.js_key,
         "--server-url", server.rest_url,
         "--live-query-url", proxy.url(path=ws_path(server))],
    )  # fmt: skip
    started.append(process)
    seeded = await read_until_status(process, "synced")
    assert seeded[-1]["count"] == len(ids)
    assert [r for r in seeded if r["kind"] != "status"] == [], "the seed is silent"

    proxy.refuse()
    await asyncio.to_thread(process.wait_stderr, "disconnected", WAIT_S)

    def write_during_the_gap() -> str:
        w = server.rest
        w.update(CLASS, ids[0], {"score": 30}, master=True)  # update
        w.update(CLASS, ids[1], {"score": 5}, master=True)  # leave
        w.delete(CLASS, ids[2], master=True)  # a delete while away: a leave
        w.create(CLASS, {"tag": unique_tag, "n": -2, "score": 1}, master=True)  # never in
        entered = w.create(CLASS, {"tag": unique_tag, "n": -1, "score": 50}, master=True)
        return str(entered["objectId"])

    entered = await asyncio.to_thread(write_during_the_gap)
    proxy.resume()
    records = await read_until_status(process, "resynced")
    status = records.pop()
    assert (status["enter"], status["update"], status["leave"]) == (1, 1, 2), records
    events = {(r["op"], r["id"]): r for r in records if r["kind"] == "event"}
    assert sorted(events) == sorted(
        [("enter", entered), ("update", ids[0]), ("leave", ids[1]), ("leave", ids[2])]
    ), records
    assert all(r.get("synthetic") is True for r in events.values())
    assert events[("enter", entered)]["object"]["n"] == -1
    assert events[("update", ids[0])]["object"]["score"] == 30
    assert events[("update", ids[0])]["object"]["n"] == 0, "the whole object"
    assert "original" not in events[("update", ids[0])]
    for oid in ids[1:3]:
        gone = events[("leave", oid)]["object"]
        assert gone["objectId"] == oid
        assert set(gone) <= {"objectId", "updatedAt", "className"}, gone
    await asyncio.to_thread(process.wait_stderr, "resynced 1 enter, 1 update, 2 leaves", WAIT_S)
