"""``lq tail --json`` through the fault proxy: status lines, reconnects, events after recovery.

The tail is a real subprocess; the proxy and the writes run in the test's
event loop, so blocking waits on the child go through ``asyncio.to_thread``.
``lq tail`` pings with the client's defaults (20 s interval, 20 s timeout,
10 s close timeout), so a half-open link takes up to ~50 s to notice: that
test is marked slow.
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
# ping_interval + ping_timeout + close_timeout of lq tail, plus slack.
STALL_DETECT_S = 20 + 20 + 10 + 15


@pytest.fixture(params=SERVER_PARAMS)
def server(request: pytest.FixtureRequest) -> Server:
    return server_for(request)


@pytest.fixture
async def proxy(server: Server) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(server.port) as running:
        yield running


class Tail:
    def __init__(
        self,
        server: Server,
        proxy: FaultProxy,
        tag: str,
        *extra: str,
        rest_url: str | None = None,
    ) -> None:
        self.server = server
        self.tag = tag
        self.process = LqProcess(
            ["tail", CLASS, "--json", "--where-json", json.dumps({"tag": tag}),
             "--app-id", server.app_id, "--js-key", server.js_key,
             "--server-url", rest_url or server.rest_url,
             "--live-query-url", proxy.url(path=ws_path(server)), *extra],
        )  # fmt: skip

    async def stderr(self, needle: str, within: float = WAIT_S) -> str:
        return await asyncio.to_thread(self.process.wait_stderr, needle, within)

    async def write_and_read(self, n: int) -> list[dict[str, Any]]:
        """Write object ``n``; read lines up to its event; return the records before it.

        Records before it are events resynced after a reconnect (objects
        written while the link was down), printed ahead of the new one.
        """
        await create(self.server, CLASS, {"tag": self.tag, "n": n})
        earlier: list[dict[str, Any]] = []
        deadline = Deadline(WAIT_S)
        while True:
            remaining = deadline.remaining(f"the event for n={n} after {earlier}")
            [line] = await asyncio.to_thread(self.process.read_stdout, 1, remaining)
            record = json.loads(line)
            if record["object"].get("n") == n:
                return earlier
            earlier.append(record)

    def close(self) -> None:
        self.process.close()
        assert not any("Traceback" in line for line in self.process.stderr_seen)


@pytest.fixture
def tails() -> Iterator[Any]:
    started: list[Tail] = []

    def start(*args: Any, **options: Any) -> Tail:
        tail = Tail(*args, **options)
        started.append(tail)
        return tail

    yield start
    for tail in started:
        tail.close()


async def test_tail_reports_a_cut_and_resumes(
    server: Server, proxy: FaultProxy, unique_tag: str, tails: Any
) -> None:
    tail = tails(server, proxy, unique_tag)
    await tail.stderr("subscribed")
    await tail.write_and_read(1)
    proxy.cut()
    await tail.stderr("disconnected")
    await tail.stderr("reconnecting in")
    await tail.stderr("reconnected")
    await tail.stderr("subscribed")
    await tail.write_and_read(2)


async def test_tail_recovers_from_a_reset_mid_frame(
    server: Server, proxy: FaultProxy, unique_tag: str, tails: Any
) -> None:
    tail = tails(server, proxy, unique_tag)
    await tail.stderr("subscribed")
    reset = proxy.reset_mid_frame(min_chunk=1000)
    await create(server, CLASS, {"tag": unique_tag, "blob": "z" * 5000})
    await asyncio.wait_for(reset.wait(), WAIT_S)
    await tail.stderr("disconnected")
    await tail.stderr("reconnected")
    await tail.stderr("subscribed")
    await tail.write_and_read(3)


@pytest.mark.parametrize(
    "snapshot", [pytest.param(False, id="seed"), pytest.param(True, id="snapshot")]
)
async def test_tail_resyncs_an_event_cut_before_its_first_load_finished(
    server: Server, proxy: FaultProxy, unique_tag: str, tails: Any, snapshot: bool
) -> None:
    """An object written right after ``subscribed`` whose event is lost comes back on resync.

    The REST side is slowed (1 s per chunk) so the first ``find`` (the seed
    that later resyncs compare with, or the ``--snapshot``) is still running
    when the object is written and its event frame is cut.
    """
    async with FaultProxy(server.port) as slow_rest:
        slow_rest.delay(1.0)
        rest_url = f"http://127.0.0.1:{slow_rest.port}{ws_path(server)}"
        extra = ["--snapshot"] if snapshot else []
        tail = tails(server, proxy, unique_tag, *extra, rest_url=rest_url)
        await tail.stderr("subscribed")
        reset = proxy.reset_mid_frame(min_chunk=1000)
        await create(server, CLASS, {"tag": unique_tag, "blob": "z" * 5000})
        await asyncio.wait_for(reset.wait(), WAIT_S)
        await tail.stderr("reconnected")
        slow_rest.resume()
        earlier = await tail.write_and_read(3)
        blobs = [r for r in earlier if r["object"].get("blob", "")[:1] == "z"]
        assert len(blobs) == 1, (earlier, tail.process.stderr_seen)


async def test_tail_gives_up_with_3_after_max_retries_against_a_refusing_server(
    server: Server, proxy: FaultProxy, unique_tag: str, tails: Any
) -> None:
    tail = tails(server, proxy, unique_tag, "--max-retries", "2")
    await tail.stderr("subscribed")
    accepted = proxy.accepted
    proxy.refuse()
    status = await asyncio.to_thread(tail.process.wait, 60)
    stderr = await asyncio.to_thread(tail.process.rest_of_stderr, 5.0)
    assert status == 3, stderr
    assert proxy.accepted - accepted == 2, "one connection per retry"
    assert any(line.startswith("lq: error:") for line in stderr), stderr


@pytest.mark.slow
@pytest.mark.timeout(200)
async def test_tail_notices_a_half_open_link(
    lq_server: Server, unique_tag: str, tails: Any
) -> None:
    async with FaultProxy(lq_server.port) as proxy:
        tail = tails(lq_server, proxy, unique_tag)
        await tail.stderr("subscribed")
        await tail.write_and_read(1)
        began = time.monotonic()
        proxy.stall()
        await tail.stderr("disconnected", STALL_DETECT_S)
        took = time.monotonic() - began
        proxy.resume()
        await tail.stderr("reconnected")
        await tail.stderr("subscribed")
        await tail.write_and_read(2)
        assert took <= STALL_DETECT_S
