"""The tuned Python loop: `websockets` + orjson, lines written in batches.

Lines are appended to a buffer and flushed when the event loop is about to
wait for the socket (a `call_soon` callback runs only once every frame already
received has been handled), so a burst costs one write per batch while a lone
event still reaches the pipe at once.
Usage: ``python -m bench.consumers.raw_orjson WS_URL COUNT``.
"""

from __future__ import annotations

import asyncio
import sys

import orjson
from websockets.asyncio.client import connect

from bench.consumers.wire import CONNECT, EVENT_OPS, SUBSCRIBE


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

    seen = 0
    async with connect(url, compression=None) as ws:
        await ws.send(CONNECT)
        await ws.send(SUBSCRIBE)
        while seen < count:
            frame = orjson.loads(await ws.recv(decode=False))
            op = frame["op"]
            if op not in EVENT_OPS:
                continue
            line = {"op": op, "object": frame["object"], "original": frame.get("original")}
            pending.append(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
            if not scheduled:
                scheduled = True
                loop.call_soon(flush)
            seen += 1
    if pending:
        flush()


if __name__ == "__main__":
    asyncio.run(consume(sys.argv[1], int(sys.argv[2])))
