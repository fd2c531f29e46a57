"""``lq tail`` against a hostile server: it reports, survives or exits with its code.

The CLI runs as a real subprocess; the hostile server runs in the test's event
loop, so every blocking wait on the child goes through ``asyncio.to_thread``.
Whatever the server does, stderr never shows a Python traceback.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from support.hostile_server import HostileConnection, HostileServer
from support.lq_process import LqProcess

WAIT_S = 20.0


@pytest.fixture
def tails() -> Iterator[Any]:
    started: list[LqProcess] = []

    def start(url: str, *extra: str) -> LqProcess:
        process = LqProcess(
            ["tail", "Game", "--json", "--app-id", "hostile", "--live-query-url", url,
             "--server-url", "http://127.0.0.1:9/parse", *extra],
        )  # fmt: skip
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()
        assert not any("Traceback" in line for line in process.stderr_seen), process.stderr_seen


async def _stderr(process: LqProcess, needle: str, within: float = WAIT_S) -> str:
    return await asyncio.to_thread(process.wait_stderr, needle, within)


async def _stdout(process: LqProcess, count: int, within: float = WAIT_S) -> list[str]:
    return await asyncio.to_thread(process.read_stdout, count, within)


async def _exit(process: LqProcess, within: float = WAIT_S) -> tuple[int, list[str]]:
    status = await asyncio.to_thread(process.wait, within)
    return status, await asyncio.to_thread(process.rest_of_stderr, 5.0)


def _object_id(line: str) -> str:
    record = json.loads(line)
    found: str = record.get("object", record).get("objectId")
    return found


@pytest.mark.parametrize(
    "payload",
    [b"not json", b"[1]", b'{"op": "explode"}', b'{"op": "create", "requestId": 99, "object": {}}',
     b'{"op": "create", "requestId": 1, "object": "x"}', b"[" * 5000],
)  # fmt: skip
async def test_tail_reports_a_bad_frame_and_keeps_printing(payload: bytes, tails: Any) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        await conn.send_text(payload)
        await conn.event(request_id, "after")
        await conn.hold()

    async with HostileServer(script) as server:
        tail = tails(server.url)
        [line] = await _stdout(tail, 1)
        assert _object_id(line) == "after"
        assert tail.process.poll() is None
        assert server.connections == 1


async def test_tail_reconnects_after_a_wire_violation(tails: Any) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        if server.connections == 1:
            await conn.send_frame(0x3, b"reserved opcode")
        await conn.event(request_id, f"after-{server.connections}")
        await conn.hold()

    async with HostileServer(script) as server:
        tail = tails(server.url)
        await _stderr(tail, "disconnected")
        await _stderr(tail, "reconnecting")
        await _stderr(tail, "reconnected")
        [line] = await _stdout(tail, 1)
        assert _object_id(line) == "after-2"


async def test_tail_survives_an_oversized_frame(tails: Any) -> None:
    huge = b'{"op": "create", "requestId": 1, "object": {"b": "' + b"x" * (20 << 20) + b'"}}'

    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        if server.connections == 1:
            await conn.send_text(huge)
        await conn.event(request_id, f"after-{server.connections}")
        await conn.hold()

    async with HostileServer(script) as server:
        tail = tails(server.url)
        [line] = await _stdout(tail, 1, within=40)
        assert _object_id(line) == "after-2"


@pytest.mark.parametrize("reconnect", [True, False])  # Parse Server says true
async def test_tail_exits_4_when_the_keys_are_refused(tails: Any, reconnect: bool) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.recv("connect")
        await conn.send_json({"op": "error", "code": 4, "error": "Key in request is not valid",
                              "reconnect": reconnect})  # fmt: skip
        await conn.hold()

    async with HostileServer(script) as server:
        tail = tails(server.url)
        status, stderr = await _exit(tail)
        assert status == 4, stderr
        assert any(line.startswith("lq: error:") for line in stderr), stderr
        assert server.connections == 1, "refused keys are not worth retrying"


async def test_tail_gives_up_with_3_when_every_handshake_breaks(tails: Any) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.read_request()
        await conn.send_raw(b"HTTP/1.1 101 Swi")
        conn.abort()

    async with HostileServer(script) as server:
        tail = tails(server.url, "--max-retries", "2")
        status, stderr = await _exit(tail, within=40)
        assert status == 3, stderr
        assert server.connections == 3


async def test_tail_survives_an_error_flood(tails: Any) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.accept_connect()
        request_id = await conn.accept_subscribe()
        for n in range(3000):
            await conn.send_json({"op": "error", "requestId": request_id, "code": 1,
                                  "error": f"flood {n % 2}", "reconnect": True})  # fmt: skip
        await conn.event(request_id, "after")
        await conn.hold()

    async with HostileServer(script) as server:
        tail = tails(server.url)
        [line] = await _stdout(tail, 1, within=60)
        assert _object_id(line) == "after"


async def test_tail_does_not_wait_silently_for_a_connected_that_never_comes(tails: Any) -> None:
    async def script(conn: HostileConnection) -> None:
        await conn.upgrade()
        await conn.hold()

    async with HostileServer(script) as server:
        tail = tails(server.url)
        line = await _stderr(tail, "reconnecting", within=45)
        assert "attempt 1" in line
