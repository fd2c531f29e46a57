"""The Python floor: `websockets` + stdlib `json`, one printed (flushed) line per event.

This is the loop anyone would write first; `lq tail --json` must beat it.
Usage: ``python -m bench.consumers.raw_json WS_URL COUNT``.
"""

from __future__ import annotations

import asyncio
import json
import sys

from websockets.asyncio.client import connect

from bench.consumers.wire import CONNECT, EVENT_OPS, SUBSCRIBE


async def consume(url: str, count: int) -> None:
    seen = 0
    async with connect(url, compression=None) as ws:
        await ws.send(CONNECT)
        await ws.send(SUBSCRIBE)
        async for message in ws:
            frame = json.loads(message)
            op = frame["op"]
            if op not in EVENT_OPS:
                continue
            line = {"op": op, "object": frame["object"], "original": frame.get("original")}
            print(json.dumps(line), flush=True)
            seen += 1
            if seen >= count:
                return


if __name__ == "__main__":
    asyncio.run(consume(sys.argv[1], int(sys.argv[2])))
