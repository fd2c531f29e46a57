"""A renderer that prints nothing (``lq watch``'s table) costs the writer nothing.

A snapshot of 100,000 members is delivered without a pause for the loop, so
the writer's flush runs after the last one: each empty line kept until then
made a list of 100,000 chunks, and ``b"".join`` of it a buffer table of about
8 MB (C memory, outside ``tracemalloc``), the largest part of ``lq watch``'s
excess over ``lq tail --snapshot``.
"""

from __future__ import annotations

import asyncio
import io

from livequery_cli.cli.output.event_writer import EventWriter


class _Stream(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def test_empty_lines_keep_no_chunks_and_still_flush_once_per_burst() -> None:
    stream = _Stream()
    writer = EventWriter(stream, on_error=lambda exc: None)

    async def main() -> None:
        for _ in range(100_000):
            writer.write(b"")
        assert writer._chunks == []  # nothing held for the flush to join
        await asyncio.sleep(0)  # the flush the burst scheduled
        assert stream.flushes == 1
        writer.write(b"x\n")
        writer.write(b"")
        await asyncio.sleep(0)
        assert stream.getvalue() == b"x\n"
        assert stream.flushes == 2

    asyncio.run(main())
