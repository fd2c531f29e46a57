"""The tail's lifetime and output path, driven by an in-process event source (no network)."""

from __future__ import annotations

import asyncio
import errno
import io
from collections.abc import Callable
from typing import Any

import pytest

from livequery_cli.cli.exit_status import ExitStatus
from livequery_cli.cli.output.event_writer import EventWriter
from livequery_cli.cli.tail.runner import Deliver, Limits, TailRunner
from livequery_cli.exceptions import ConnectionFailedError


class CountingStream(io.BytesIO):
    """Records how many writes and flushes reached the stream."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0
        self.flushes = 0

    def write(self, data: Any) -> int:
        self.writes += 1
        return super().write(data)

    def flush(self) -> None:
        self.flushes += 1


class ClosedPipe(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


class FakeSource:
    """Delivers scripted events once started; records that it was stopped."""

    def __init__(self, script: Callable[[Deliver, Callable[[BaseException], None]], Any]) -> None:
        self.script = script
        self.stopped = asyncio.Event()
        self.started = asyncio.Event()

    async def start(self, deliver: Deliver, fail: Callable[[BaseException], None]) -> None:
        self.started.set()
        result = self.script(deliver, fail)
        if asyncio.iscoroutine(result):
            await result

    async def stop(self) -> None:
        self.stopped.set()


def render(event: Any) -> bytes:
    return f"{event.seq} {event.op} {event.object['n']}\n".encode()


def runner(stream: Any, **kwargs: Any) -> TailRunner:
    return TailRunner(render=render, writer_stream=stream, handle_signals=False, **kwargs)


async def test_a_burst_is_written_in_one_write_after_the_burst() -> None:
    stream = CountingStream()
    tail = runner(stream, limits=Limits(count=1000))

    def burst(deliver: Deliver, fail: Any) -> None:
        for n in range(1000):
            deliver(0, "Game", "create", {"n": n}, None)

    status = await tail.run(FakeSource(burst))
    assert status is ExitStatus.SUCCESS
    assert stream.getvalue().count(b"\n") == 1000
    assert stream.writes == 1


async def test_a_lone_event_is_flushed_without_waiting_for_more() -> None:
    stream = CountingStream()
    tail = runner(stream)
    seen = asyncio.Event()

    async def one_then_wait(deliver: Deliver, fail: Any) -> None:
        deliver(0, "Game", "create", {"n": 1}, None)
        # Yield to the loop once: the flush scheduled by the write runs now.
        await asyncio.sleep(0)
        if stream.getvalue() == b"1 create 1\n":
            seen.set()
        tail.finish(ExitStatus.SUCCESS)

    await tail.run(FakeSource(one_then_wait))
    assert seen.is_set()


async def test_event_filter_and_sequence_numbers() -> None:
    stream = io.BytesIO()
    tail = runner(stream, events=frozenset({"update"}), limits=Limits(count=2))

    def script(deliver: Deliver, fail: Any) -> None:
        for n, op in enumerate(["create", "update", "delete", "update", "update"]):
            deliver(0, "Game", op, {"n": n}, {})

    await tail.run(FakeSource(script))
    assert stream.getvalue() == b"1 update 1\n2 update 3\n"


async def test_idle_limit_ends_with_124_and_stops_the_source() -> None:
    source = FakeSource(lambda deliver, fail: None)
    status = await runner(io.BytesIO(), limits=Limits(idle=0.05)).run(source)
    assert status is ExitStatus.TIME_LIMIT
    assert source.stopped.is_set()


async def test_idle_timer_restarts_on_each_event() -> None:
    stream = io.BytesIO()
    tail = runner(stream, limits=Limits(idle=0.2))

    async def trickle(deliver: Deliver, fail: Any) -> None:
        for n in range(3):
            deliver(0, "Game", "create", {"n": n}, None)
            await asyncio.sleep(0.1)  # shorter than --idle: must not end the run

    status = await tail.run(FakeSource(trickle))
    assert status is ExitStatus.TIME_LIMIT
    assert stream.getvalue().count(b"\n") == 3


async def test_timeout_limit_ends_with_124() -> None:
    source = FakeSource(lambda deliver, fail: None)
    assert await runner(io.BytesIO(), limits=Limits(timeout=0.05)).run(source) == 124


async def test_broken_pipe_ends_quietly_with_success() -> None:
    tail = runner(ClosedPipe())

    def script(deliver: Deliver, fail: Any) -> None:
        deliver(0, "Game", "create", {"n": 1}, None)

    assert await tail.run(FakeSource(script)) is ExitStatus.SUCCESS


async def test_a_fatal_source_error_is_raised_after_stopping() -> None:
    error = ConnectionFailedError("gave up", attempts=2)
    source = FakeSource(lambda deliver, fail: fail(error))
    with pytest.raises(ConnectionFailedError):
        await runner(io.BytesIO()).run(source)
    assert source.stopped.is_set()


async def test_an_exception_from_start_ends_the_run() -> None:
    def boom(deliver: Deliver, fail: Any) -> None:
        raise ConnectionFailedError("cannot connect", attempts=0)

    with pytest.raises(ConnectionFailedError):
        await runner(io.BytesIO()).run(FakeSource(boom))


async def test_signal_statuses() -> None:
    for status in (ExitStatus.SIGINT, ExitStatus.SIGTERM):
        tail = runner(io.BytesIO())
        source = FakeSource(lambda deliver, fail, tail=tail, status=status: tail.finish(status))
        assert await tail.run(source) is status


def test_writer_without_a_loop_writes_through() -> None:
    stream = CountingStream()
    writer = EventWriter(stream, on_error=lambda exc: None)
    writer.write(b"x\n")
    assert stream.getvalue() == b"x\n"


def test_writer_flushes_at_high_water() -> None:
    stream = CountingStream()
    writer = EventWriter(stream, on_error=lambda exc: None, high_water=10)

    async def main() -> None:
        writer.write(b"12345\n")
        assert stream.writes == 0
        writer.write(b"67890\n")
        assert stream.getvalue() == b"12345\n67890\n"

    asyncio.run(main())
