"""A wrong URL does not hang: the first connection has a budget (``connect_timeout``).

Until the server first answers ``connected``, ``open()`` and ``subscribe()``
raise ``ConnectionFailedError`` once the budget is spent; after a connection
was established, reconnects follow the ``ReconnectPolicy`` alone.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from typing import Any

import pytest
from support.memory_parse import MemoryParse

import livequery_cli as lq
from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.client.transports.memory import MemoryTransport
from livequery_cli.protocol import State

GAME = {"className": "Game", "where": {}}
SLACK = 3.0  # the budget plus this, at most, on a loaded machine


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_default_budget_is_finite_and_documented() -> None:
    client = LiveQueryClient("app", "ws://127.0.0.1:1/parse")
    assert client.connect_timeout == 15.0


async def test_open_on_a_closed_port_raises_connection_failed_within_the_budget() -> None:
    client = LiveQueryClient("app", f"ws://127.0.0.1:{closed_port()}/parse", connect_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(lq.ConnectionFailedError, match=r"could not connect .* within 1 s"):
        await asyncio.wait_for(client.open(), 1.0 + SLACK)
    assert time.monotonic() - started < 1.0 + SLACK
    await client.close()


async def test_subscribe_on_a_closed_port_raises_connection_failed() -> None:
    client = LiveQueryClient("app", f"ws://127.0.0.1:{closed_port()}/parse", connect_timeout=0.5)
    with pytest.raises(lq.ConnectionFailedError):
        await asyncio.wait_for(client.subscribe(GAME), 0.5 + SLACK)
    with pytest.raises(lq.InvalidStateError, match="has failed") as later:
        await client.subscribe(GAME)
    assert isinstance(later.value.__cause__, lq.ConnectionFailedError)
    await client.close()


async def test_a_connection_attempt_that_never_completes_is_bounded_too() -> None:
    async def hangs(url: str) -> MemoryTransport:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    client = LiveQueryClient("app", "ws://memory.invalid/parse", connect=hangs, connect_timeout=0.3)
    with pytest.raises(lq.ConnectionFailedError, match="no answer"):
        await asyncio.wait_for(client.open(), 0.3 + SLACK)
    await client.close()


async def test_a_server_that_never_answers_connect_is_bounded_too() -> None:
    async def silent(end: MemoryTransport) -> None:
        await end.recv()  # the connect frame, never answered
        await asyncio.Event().wait()

    from livequery_cli.client.transports.memory import memory_connector

    client = LiveQueryClient(
        "app", "ws://memory.invalid/parse", connect=memory_connector(silent), connect_timeout=0.3
    )
    with pytest.raises(lq.ConnectionFailedError):
        await asyncio.wait_for(client.open(), 0.3 + SLACK)
    await client.close()


async def test_reconnects_after_an_established_connection_outlast_the_budget() -> None:
    parse = MemoryParse()
    calls = 0

    async def first_then_refused(url: str) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            return await parse.connector(url)
        raise ConnectionRefusedError("refused")

    client = LiveQueryClient(
        "app",
        "ws://memory.invalid/parse",
        connect=first_then_refused,
        connect_timeout=0.2,
        reconnect=ReconnectPolicy(base=0.05, max_delay=0.1, rng=lambda: 1.0),
    )
    await client.open()
    sixth = asyncio.Event()
    client.on("reconnect", lambda attempt, delay: attempt >= 6 and sixth.set())
    assert parse.end is not None
    parse.end.abort()
    started = time.monotonic()
    await asyncio.wait_for(sixth.wait(), 10)
    # Delays 0.05, then 0.1 each: attempt 6 comes 0.45 s in, past the 0.2 s budget.
    assert time.monotonic() - started > 0.3
    assert client.state is State.RECONNECTING
    await client.close()


async def test_open_on_a_closed_client_is_a_state_error() -> None:
    parse = MemoryParse()
    client = LiveQueryClient("app", "ws://memory.invalid/parse", connect=parse.connector)
    await client.open()
    await client.close()
    with pytest.raises(lq.InvalidStateError, match="closed"):
        await client.open()


async def test_a_failed_first_connection_is_raised_not_also_logged_as_unhandled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = LiveQueryClient("app", f"ws://127.0.0.1:{closed_port()}/parse", connect_timeout=0.5)
    with caplog.at_level(logging.WARNING), pytest.raises(lq.ConnectionFailedError, match="last: "):
        await asyncio.wait_for(client.open(), 0.5 + SLACK)
    await client.close()
    assert caplog.records == []  # the caller has the error; nothing printed besides
