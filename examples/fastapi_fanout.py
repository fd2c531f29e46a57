"""Fan LiveQuery events out to browsers: a FastAPI app with SSE and WebSocket endpoints.

The most common way to embed ``livequery_cli``: one process holds the
LiveQuery connection (the standard API shares one socket for every
subscription), and each browser gets the events of its own query over
Server-Sent Events (``GET /events/{class_name}``) or a WebSocket
(``/ws/{class_name}``). Run it with::

    PARSE_SERVER_URL=http://127.0.0.1:1337/parse PARSE_APP_ID=lq \\
        uvicorn examples.fastapi_fanout:app

What it shows:

- the connection is configured when the app starts and closed when it stops
  (FastAPI's ``lifespan``), so no reconnect loop outlives the app;
- every browser's subscription is ended when the browser goes away, even
  though the framework ends the handler by *cancelling* it: the unsubscribe
  runs in ``finally`` and is shielded from that cancellation;
- a browser never sees secrets: the app's keys stay on the server side.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

import livequery_cli as lq


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    lq.configure(
        server_url=os.environ.get("PARSE_SERVER_URL", "http://127.0.0.1:1337/parse"),
        application_id=os.environ.get("PARSE_APP_ID", "lq"),
        javascript_key=os.environ.get("PARSE_JS_KEY"),
    )
    try:
        yield
    finally:
        await lq.LiveQuery.close()  # ends every subscription and the socket


app = FastAPI(lifespan=lifespan)


async def _unsubscribe(sub: lq.Subscription) -> None:
    """End ``sub`` even while the handler is being cancelled (the client went away)."""
    with contextlib.suppress(lq.LiveQueryError):
        await asyncio.shield(sub.unsubscribe())


def _record(event: lq.Event) -> str:
    return json.dumps({"op": event.op, "object": event.object}, separators=(",", ":"))


@app.get("/events/{class_name}")
async def events(class_name: str) -> StreamingResponse:
    """Server-Sent Events: one ``data:`` line per LiveQuery event of ``class_name``."""
    sub = await lq.Query(class_name).subscribe()

    async def stream() -> AsyncIterator[str]:
        try:
            yield ": subscribed\n\n"  # tells the browser (and tests) the subscription is live
            async for event in sub:
                yield f"data: {_record(event)}\n\n"
        finally:
            await _unsubscribe(sub)

    return StreamingResponse(stream(), media_type="text/event-stream")


@app.websocket("/ws/{class_name}")
async def websocket_events(socket: WebSocket, class_name: str) -> None:
    """The same events over a WebSocket, one JSON text message each.

    Events are forwarded by a task while the handler itself reads the socket:
    a quiet query sends nothing, so only reading notices that the browser left.
    """
    await socket.accept()
    sub = await lq.Query(class_name).subscribe()

    async def forward() -> None:
        async for event in sub:
            await socket.send_text(_record(event))

    forwarding = asyncio.create_task(forward())
    try:
        await socket.send_text(json.dumps({"op": "subscribed"}))
        while True:
            await socket.receive_text()  # WebSocketDisconnect when the browser goes away
    except WebSocketDisconnect:
        pass
    finally:
        forwarding.cancel()
        await _unsubscribe(sub)
