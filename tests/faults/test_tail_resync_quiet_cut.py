"""``lq tail`` (no ``--snapshot``) prints nothing after a cut during which nothing changed.

The objects that were in the class before the tail started are never
printed by a resync, the newest of them included: the start version read
before subscribing sits exactly at their version, and used to make them look
like writes whose events the cut had lost (a false ``enter (resync)``).
``tests/synced/test_resync_histories.py`` checks the engine on generated
histories; this runs the reported case end to end through a cut connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from support.fault_proxy import FaultProxy
from support.lq_process import LqProcess
from support.targets import SERVER_PARAMS, Server, create, server_for, ws_path
from support.waiting import Deadline

CLASS = "QuietCut"
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
    records: list[dict[str, Any]] = []
    deadline = Deadline(WAIT_S)
    while True:
        remaining = deadline.remaining(f"a {state} status after {records}")
        [line] = await asyncio.to_thread(process.read_stdout, 1, remaining)
        record = json.loads(line)
        records.append(record)
        if record.get("kind") == "status" and record.get("state") == state:
            return records


async def test_a_cut_with_no_writes_resyncs_no_changes(
    server: Server, proxy: FaultProxy, unique_tag: str, started: list[LqProcess]
) -> None:
    # The class's newest objects: the start version read lands exactly on the last one.
    for n in range(2):
        await create(server, CLASS, {"tag": unique_tag, "n": n})
    process = LqProcess(
        ["tail", CLASS, "--json", "--status-events", "--where-json",
         json.dumps({"tag": unique_tag}),
         "--app-id", server.app_id, "--js-key", server.js_key,
         "--server-url", server.rest_url,
         "--live-query-url", proxy.url(path=ws_path(server))],
    )  # fmt: skip
    started.append(process)
    seeded = await read_until_status(process, "synced")
    assert seeded[-1]["count"] == 2
    proxy.refuse()
    await asyncio.to_thread(process.wait_stderr, "disconnected", WAIT_S)
    proxy.resume()
    records = await read_until_status(process, "resynced")
    status = records.pop()
    assert [r for r in records if r["kind"] != "status"] == [], "nothing changed: nothing to print"
    assert (status["enter"], status["update"], status["leave"]) == (0, 0, 0)
    await asyncio.to_thread(process.wait_stderr, "resynced no changes", WAIT_S)
