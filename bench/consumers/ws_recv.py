"""The `websockets` floor: receive N frames and do nothing else (no decoding, no output).

Every Python consumer here pays at least this per event; the gap between this
row and the others is what decoding, formatting and writing cost.
Usage: ``python -m bench.consumers.ws_recv WS_URL COUNT``.
"""

from __future__ import annotations

import asyncio
import sys

from websockets.asyncio.client import connect

from bench.consumers.wire import CONNECT, SUBSCRIBE


async def consume(url: str, count: int) -> None:
    async with connect(url, compression=None) as ws:
        await ws.send(CONNECT)
        await ws.send(SUBSCRIBE)
        for _ in range(count + 2):  # `connected` and `subscribed` come first
            await ws.recv(decode=False)


if __name__ == "__main__":
    asyncio.run(consume(sys.argv[1], int(sys.argv[2])))
