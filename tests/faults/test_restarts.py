"""Fifty server restarts during a tail: nothing leaks, nothing is lost after a reconnect.

``lq serve`` restarts in about a second (Parse Server takes several), so the
long runs use it; the server alternates between a graceful stop (SIGTERM,
close frames) and a crash (SIGKILL, no close frame). After every restart the
test writes a batch and waits for every event of it. At the end the client's
asyncio tasks and file descriptors are back to their level after the first
cycle, and memory grew less than a bound.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
from typing import Any

import pytest
from support.lq_process import LqProcess
from support.lq_server import LqServer
from support.targets import create
from support.watch import Watch

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy

RESTARTS = 50
TAIL_RESTARTS = 50
BATCH = 3
CLASS = "Game"
# Growth allowed over the run (the first cycles warm caches, imports, pools).
RSS_BOUND_KB = 20_000
FD_SLACK = 2


def open_fds(pid: int | str = "self") -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kb(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def _restart(server: LqServer, cycle: int) -> None:
    if cycle % 2:
        await asyncio.to_thread(server.kill)
    else:
        await asyncio.to_thread(server.stop)
    await asyncio.to_thread(server.start)


@pytest.mark.slow
@pytest.mark.timeout(400)
async def test_fifty_restarts_leak_nothing_and_lose_nothing_after_reconnect(
    lq_server_factory: Any, unique_tag: str
) -> None:
    server: LqServer = lq_server_factory()
    client = LiveQueryClient(
        server.app_id,
        server.ws_url,
        javascript_key=server.js_key,
        reconnect=ReconnectPolicy(base=0.05, max_delay=0.5),
        ping_interval=1.0,
        ping_timeout=1.0,
        close_timeout=1.0,
        open_timeout=3.0,
    )
    watch = Watch().listen(client, "open", "close", "reconnect")
    try:
        sub = await asyncio.wait_for(
            client.subscribe({"className": CLASS, "where": {"tag": unique_tag}}), 15
        )
        watch.listen(sub, "open", "create", prefix="sub.")
        # One event first: by then the subscription's first ``open`` has been seen.
        await create(server, CLASS, {"tag": unique_tag, "cycle": -1, "n": 0})
        await watch.wait("sub.create", 1)
        assert watch.count("sub.open") == 1
        baseline: tuple[int, int, int] | None = None
        received = 1
        for cycle in range(RESTARTS):
            opens = watch.count("sub.open")
            await _restart(server, cycle)
            await watch.wait("sub.open", opens + 1, within=30)
            for n in range(BATCH):
                await create(server, CLASS, {"tag": unique_tag, "cycle": cycle, "n": n})
            received += BATCH
            await watch.wait("sub.create", received, within=15)
            if cycle == 1:
                gc.collect()
                baseline = (len(asyncio.all_tasks()), open_fds(), rss_kb())
        got = [(args[0]["cycle"], args[0]["n"]) for args in watch.args("sub.create")]
        assert got == [(-1, 0)] + [(c, n) for c in range(RESTARTS) for n in range(BATCH)]
        gc.collect()
        assert baseline is not None
        tasks, fds, rss = len(asyncio.all_tasks()), open_fds(), rss_kb()
        assert tasks <= baseline[0], f"asyncio tasks {baseline[0]} -> {tasks}"
        assert fds <= baseline[1] + FD_SLACK, f"open fds {baseline[1]} -> {fds}"
        assert rss - baseline[2] <= RSS_BOUND_KB, f"RSS {baseline[2]} kB -> {rss} kB"
        assert watch.count("close") == RESTARTS
    finally:
        await asyncio.wait_for(client.close(), 10)


@pytest.mark.slow
@pytest.mark.timeout(400)
async def test_lq_tail_survives_restarts_without_leaking_fds_or_memory(
    lq_server_factory: Any, unique_tag: str
) -> None:
    server: LqServer = lq_server_factory()
    tail = LqProcess(
        ["tail", CLASS, "--json", "--where-json", json.dumps({"tag": unique_tag}),
         "--app-id", server.app_id, "--js-key", server.js_key,
         "--server-url", server.rest_url, "--live-query-url", server.ws_url],
    )  # fmt: skip
    try:
        await asyncio.to_thread(tail.wait_stderr, "subscribed", 30)
        pid = tail.process.pid
        baseline: tuple[int, int] | None = None
        for cycle in range(TAIL_RESTARTS):
            await _restart(server, cycle)
            await asyncio.to_thread(tail.wait_stderr, "reconnected", 60)
            await asyncio.to_thread(tail.wait_stderr, "subscribed", 30)
            for n in range(BATCH):
                await create(server, CLASS, {"tag": unique_tag, "cycle": cycle, "n": n})
            lines = await asyncio.to_thread(tail.read_stdout, BATCH, 30)
            records = [json.loads(line) for line in lines]
            assert [(r["object"]["cycle"], r["object"]["n"]) for r in records] == [
                (cycle, n) for n in range(BATCH)
            ]
            if cycle == 1:
                baseline = (open_fds(pid), rss_kb(pid))
        assert baseline is not None
        fds, rss = open_fds(pid), rss_kb(pid)
        assert fds <= baseline[0] + FD_SLACK, f"lq tail fds {baseline[0]} -> {fds}"
        assert rss - baseline[1] <= RSS_BOUND_KB, f"lq tail RSS {baseline[1]} kB -> {rss} kB"
        assert not any("Traceback" in line for line in tail.stderr_seen)
    finally:
        tail.close()
