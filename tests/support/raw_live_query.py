"""Raw LiveQuery frames against a server handle, as an anonymous attacker would send them.

Deliberately not the library's client: attacks send what no well-behaved
client would, and read the server's answers frame by frame.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

__all__ = ["FRAME_WAIT_S", "open_anonymous", "reply", "subscribe_frame"]

FRAME_WAIT_S = 10.0


async def open_anonymous(server: Any) -> ClientConnection:
    """A connected LiveQuery socket with the client key only (no session, no master key)."""
    ws = await connect(server.ws_url, open_timeout=FRAME_WAIT_S, max_size=None)
    hello = {"op": "connect", "applicationId": server.app_id, "javascriptKey": server.js_key}
    await ws.send(orjson.dumps(hello).decode())
    answer = orjson.loads(await asyncio.wait_for(ws.recv(), FRAME_WAIT_S))
    assert answer["op"] == "connected", answer
    return ws


async def reply(ws: ClientConnection, wait_s: float = FRAME_WAIT_S) -> dict[str, Any] | None:
    """The next frame, or ``None`` if the server closed the socket."""
    try:
        frame: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), wait_s))
    except ConnectionClosed:
        return None
    return frame


def subscribe_frame(request_id: int, where: Any, class_name: str = "Game") -> str:
    query = {"className": class_name, "where": where}
    return orjson.dumps({"op": "subscribe", "requestId": request_id, "query": query}).decode()
