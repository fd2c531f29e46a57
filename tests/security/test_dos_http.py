"""Slow HTTP clients (slowloris) against ``lq serve``.

1,100 loopback connections each send half a request (half the headers, or
the headers and a sliver of the body) and then nothing. The server runs with
the common 1,024 open-files soft limit, as on most machines, where the same
attack used to leave it unable to accept any connection. While the attack
holds its connections, ``/health`` must answer within 200 ms; the server must
hold only a bounded number of them, close the rest by itself within the
documented header and body timeouts, and shut down quickly on SIGTERM.
Assertions are on the server staying responsive and bounded, never on how
fast the attack itself goes; every loop is bounded in count and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from support.lq_server import LqServer

ATTACK_CONNECTIONS = 1_100
SERVER_SOFT_FD_LIMIT = 1024
HEADER_TIMEOUT_S = 5.0
BODY_TIMEOUT_S = 6.0
MAX_PENDING = 256
HEALTH_BUDGET_S = 0.2
HEALTH_PROBES = 5
SLACK_S = 3.0
CONNECT_TIMEOUT_S = 5.0
SHUTDOWN_BUDGET_S = 3.0

# Runs the server with a lowered soft limit on open files, then becomes it (same pid).
_WITH_FD_LIMIT = (
    "import os, resource, sys; "
    "hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]; "
    "soft = int(sys.argv[1]) if hard == resource.RLIM_INFINITY else min(int(sys.argv[1]), hard); "
    "resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard)); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


class _ConstrainedServer(LqServer):
    """``lq serve`` with the usual 1,024-descriptor soft limit and short slow-client timeouts."""

    def command(self) -> list[str]:
        inner = super().command()
        return [sys.executable, "-c", _WITH_FD_LIMIT, str(SERVER_SOFT_FD_LIMIT), *inner]

    def env(self) -> dict[str, str]:
        env = super().env()
        env["LQ_SERVE_HEADER_TIMEOUT"] = str(HEADER_TIMEOUT_S)
        env["LQ_SERVE_BODY_TIMEOUT"] = str(BODY_TIMEOUT_S)
        env["LQ_SERVE_MAX_PENDING_CONNECTIONS"] = str(MAX_PENDING)
        return env


@pytest.fixture
def server() -> Iterator[_ConstrainedServer]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * ATTACK_CONNECTIONS + 512  # the attack's sockets, the health probes, pytest's own
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            pytest.skip(f"needs {wanted} open files for the attack; the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    with _ConstrainedServer() as started:
        yield started


@dataclass
class _HalfSent:
    """One attacking connection: what it sent, when, and when the server closed it."""

    kind: str
    sent_at: float
    writer: asyncio.StreamWriter
    closed_at: float | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)


def _half_request(kind: str, port: int) -> bytes:
    head = f"POST /parse/classes/Slow HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    if kind == "headers":
        return (head + "X-Parse-Application-Id: lq-te").encode()
    return (head + 'Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":').encode()


class _Closes:
    """Counts the attacking connections the server has closed; wakes waiters on each."""

    def __init__(self) -> None:
        self.changed = asyncio.Condition()

    async def watch(self, conn: _HalfSent, reader: asyncio.StreamReader) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while await reader.read(65536):
                pass
        conn.closed_at = time.monotonic()
        async with self.changed:
            self.changed.notify_all()

    async def until(self, condition: Any, seconds: float) -> bool:
        """Wait (at most ``seconds``) until ``condition()`` holds after some close."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(seconds, 0.0)), self.changed:
                await self.changed.wait_for(condition)
        return bool(condition())


async def _attack(port: int, count: int, closes: _Closes) -> list[_HalfSent]:
    conns: list[_HalfSent] = []
    for index in range(count):
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port), CONNECT_TIMEOUT_S
            )
        except (OSError, TimeoutError):
            continue  # refused or dropped by the server: bounded, as it should be
        kind = "headers" if index % 2 == 0 else "body"
        writer.write(_half_request(kind, port))
        conn = _HalfSent(kind, time.monotonic(), writer)
        conn.task = asyncio.create_task(closes.watch(conn, reader))
        conns.append(conn)
    return conns


async def _health_seconds(port: int) -> float:
    """Seconds from connecting to the whole ``/health`` answer, on a fresh connection."""
    started = time.monotonic()
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port), CONNECT_TIMEOUT_S
    )
    try:
        writer.write(
            f"GET /parse/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        answer = await asyncio.wait_for(reader.read(), CONNECT_TIMEOUT_S)
    finally:
        writer.close()
    assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
    return time.monotonic() - started


async def _assert_responsive(port: int) -> None:
    for _ in range(HEALTH_PROBES):
        try:
            seconds = await _health_seconds(port)
        except (OSError, TimeoutError) as exc:
            pytest.fail(f"/health did not answer during the attack: {exc!r}")
        assert seconds < HEALTH_BUDGET_S, f"/health took {seconds:.3f} s during the attack"


def _open(conns: list[_HalfSent]) -> int:
    return sum(1 for c in conns if c.closed_at is None)


async def _release(conns: list[_HalfSent]) -> None:
    for conn in conns:
        conn.writer.close()
        if conn.task is not None:
            conn.task.cancel()
    await asyncio.gather(*(c.task for c in conns if c.task is not None), return_exceptions=True)


async def test_half_sent_requests_neither_starve_nor_outlive_their_timeouts(
    server: _ConstrainedServer,
) -> None:
    closes = _Closes()
    conns = await _attack(server.port, ATTACK_CONNECTIONS, closes)
    try:
        await _assert_responsive(server.port)
        # Bounded: beyond MAX_PENDING waiting connections, the oldest are let go at once.
        assert await closes.until(lambda: _open(conns) <= MAX_PENDING + 8, SLACK_S), (
            f"{_open(conns)} half-sent requests still held; at most {MAX_PENDING} expected"
        )
        # The rest are closed by the server within their timeouts.
        last = max(c.sent_at for c in conns)
        remaining = last + BODY_TIMEOUT_S + SLACK_S - time.monotonic()
        await closes.until(lambda: _open(conns) == 0, remaining)
        late = [
            (c.kind, None if c.closed_at is None else round(c.closed_at - c.sent_at, 1))
            for c in conns
            if c.closed_at is None
            or c.closed_at - c.sent_at
            > (HEADER_TIMEOUT_S if c.kind == "headers" else BODY_TIMEOUT_S) + SLACK_S
        ]
        assert not late, f"{len(late)} half-sent requests outlived their timeout: {late[:5]}"
        await _assert_responsive(server.port)
    finally:
        await _release(conns)


async def test_sigterm_is_quick_while_half_sent_requests_are_held(
    server: _ConstrainedServer,
) -> None:
    conns = await _attack(server.port, ATTACK_CONNECTIONS, _Closes())
    try:
        await _assert_responsive(server.port)
        started = time.monotonic()
        status = await asyncio.to_thread(server.stop, SHUTDOWN_BUDGET_S + 5.0)
        seconds = time.monotonic() - started
        assert status == 0, f"lq serve exited with {status} (None: it had to be killed)"
        assert seconds < SHUTDOWN_BUDGET_S, f"shutdown took {seconds:.1f} s"
    finally:
        await _release(conns)
