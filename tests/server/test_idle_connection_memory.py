"""What an idle, subscribed LiveQuery connection costs the server, in bytes.

Thousands of clients sit connected and silent on a LiveQuery server, so its
memory per idle connection is what sizes it (BENCHMARKS.md compares it with
Parse's). The clients run in a child process (``bench.loadclients``, bare
sockets that connect, subscribe and answer pings), so ``tracemalloc`` in this
process counts only the server's side: the aiohttp request handler and
WebSocket, the connection object and its subscription.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from support.child_process import child_preexec
from support.lq_harness import APP_ID, make_config

from livequery_cli.server.app import EmbeddedServer
from livequery_cli.server.cluster.cluster_connection import ClusterConnection
from livequery_cli.server.live_query import LiveConnection

ROOT = Path(__file__).resolve().parents[2]
CONNECTIONS = 300
READY_TIMEOUT_S = 60.0
# Measured here: ~20.6 KB before idle connections were slimmed (writer task, queue, Event,
# instance dict, HTTP parser and nested read coroutines per connection), ~15.8 KB after.
MAX_BYTES_PER_CONNECTION = 17_500


async def _subscribed_clients(
    server: EmbeddedServer, count: int, tag: str
) -> asyncio.subprocess.Process:
    """``count`` connected clients with one distinct subscription each, all acknowledged."""
    env = dict(os.environ, BENCH_MASTER_KEY=server.config.master_key or "")
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.loadclients",
        "--url",
        server.live_query_url,
        "--app-id",
        APP_ID,
        "--connections",
        str(count),
        "--mode",
        "distinct",
        "--tag",
        tag,
        "--hold",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        preexec_fn=child_preexec(),
    )
    assert proc.stdout is not None
    line = await asyncio.wait_for(proc.stdout.readline(), READY_TIMEOUT_S)
    assert b'"ready"' in line, line
    return proc


async def _end(proc: asyncio.subprocess.Process) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        await asyncio.wait_for(proc.wait(), READY_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()


async def _held_per_connection(server: EmbeddedServer) -> float:
    """tracemalloc bytes the server holds per idle subscribed connection."""
    warm = await _subscribed_clients(server, 20, "warm")  # first-use allocations
    try:
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            clients = await _subscribed_clients(server, CONNECTIONS, "idle")
            try:
                gc.collect()
                held = tracemalloc.get_traced_memory()[0] - before
            finally:
                await _end(clients)
        finally:
            tracemalloc.stop()
    finally:
        await _end(warm)
    return held / CONNECTIONS


@pytest.mark.timeout(180)
async def test_an_idle_subscribed_connection_holds_little_server_memory() -> None:
    config = make_config(max_connections_per_address=CONNECTIONS + 100, js_key=None)
    server = EmbeddedServer(config)
    await server.start()
    try:
        per_connection = await _held_per_connection(server)
    finally:
        await server.stop()
    assert per_connection < MAX_BYTES_PER_CONNECTION, f"{per_connection:.0f} B per connection"


@pytest.mark.timeout(120)
async def test_an_idle_connection_runs_no_task_of_its_own() -> None:
    """aiohttp's connection and request tasks only: the writer task starts when a socket lags."""
    count = 50
    config = make_config(max_connections_per_address=count + 10, js_key=None)
    server = EmbeddedServer(config)
    await server.start()
    try:
        before = len(asyncio.all_tasks())
        clients = await _subscribed_clients(server, count, "tasks")
        try:
            per_connection = (len(asyncio.all_tasks()) - before) / count
        finally:
            await _end(clients)
    finally:
        await server.stop()
    assert per_connection <= 2, per_connection


def test_a_connection_object_has_no_instance_dict() -> None:
    """Slots: an instance dict would cost ~1 KB per connected client."""
    for connection in (LiveConnection, ClusterConnection):
        assert all("__dict__" not in vars(cls) for cls in connection.__mro__[:-1])
