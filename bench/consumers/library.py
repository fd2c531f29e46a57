"""The library on its own: ``async for ev in sub`` with `LiveQueryClient`, one line per event.

It measures what an application embedding `livequery_cli` pays per event
(frame decoding, event dispatch, the async iterator), plus writing each
event's object as an orjson line, batched and flushed whenever the loop is
about to wait, exactly like the tuned raw loop, so the two differ only in the
library. Usage: ``python -m bench.consumers.library WS_URL COUNT``.
"""

from __future__ import annotations

import asyncio
import sys

import orjson

from bench.consumers.wire import APP_ID, CLASS_NAME
from livequery_cli.client import LiveQueryClient
from livequery_cli.client.query import Query


async def consume(url: str, count: int) -> None:
    out = sys.stdout.buffer
    pending: list[bytes] = []
    loop = asyncio.get_running_loop()
    scheduled = False

    def flush() -> None:
        nonlocal scheduled
        scheduled = False
        out.write(b"".join(pending))
        out.flush()
        pending.clear()

    client = LiveQueryClient(application_id=APP_ID, server_url=url)
    await client.open()
    sub = await client.subscribe(Query(CLASS_NAME))
    seen = 0
    async for ev in sub:
        line = {"op": ev.op, "object": ev.object, "original": ev.original}
        pending.append(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
        if not scheduled:
            scheduled = True
            loop.call_soon(flush)
        seen += 1
        if seen >= count:
            break
    if pending:
        flush()
    await client.close()


if __name__ == "__main__":
    asyncio.run(consume(sys.argv[1], int(sys.argv[2])))
