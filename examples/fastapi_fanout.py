"""Fan LiveQuery events out to browsers from a FastAPI app: Server-Sent Events and a WebSocket.

Run it next to a Parse Server (or ``lq serve``)::

    PARSE_SERVER_URL=http://127.0.0.1:1337/parse PARSE_APP_ID=app \\
        uvicorn examples.fastapi_fanout:app

then ``curl -N http://127.0.0.1:8000/events/Game`` (SSE) or open a WebSocket to
``ws://127.0.0.1:8000/ws/Game``. What it shows:

- the shared LiveQuery connection lives as long as the app: the lifespan
  configures it and ``async with lq.LiveQuery`` closes it at shutdown;
- each browser gets its own subscription on that one connection, with its own
  bounded buffer: a browser that stops reading loses its own subscription
  (``SubscriptionOverflowError``), never holds up the others;
- a browser that goes away is unsubscribed: the framework cancels the SSE
  stream or the WebSocket handler, and leaving ``async with sub`` (or an
  ``async for``) through that cancellation unsubscribes.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import StreamingResponse

import livequery_cli as lq

MAX_QUEUE = 256  # events buffered per browser before it is cut off


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    lq.configure(
        server_url=os.environ.get("PARSE_SERVER_URL", "http://127.0.0.1:1337/parse"),
        application_id=os.environ.get("PARSE_APP_ID", "app"),
        javascript_key=os.environ.get("PARSE_JS_KEY"),
    )
    async with lq.LiveQuery:  # closed at shutdown, with every subscription on it
        yield


app = FastAPI(lifespan=lifespan)


def event_json(event: lq.Event) -> bytes:
    return orjson.dumps({"op": event.op, "object": event.object, "original": event.original})


@app.get("/events/{class_name}")
async def server_sent_events(class_name: str) -> StreamingResponse:
    """One SSE stream per request: ``event: <op>`` and the event as JSON."""
    sub = await lq.Query(class_name).subscribe(max_queue=MAX_QUEUE)

    async def stream() -> AsyncIterator[bytes]:
        async with sub:  # unsubscribes when the browser leaves (the stream is cancelled)
            yield b": subscribed\n\n"
            async for event in sub:
                yield b"event: " + event.op.encode() + b"\ndata: " + event_json(event) + b"\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream")


@app.websocket("/ws/{class_name}")
async def websocket_events(websocket: WebSocket, class_name: str) -> None:
    """One subscription per WebSocket; each event is one JSON text message."""
    await websocket.accept()
    async with await lq.Query(class_name).subscribe(max_queue=MAX_QUEUE) as sub:
        await websocket.send_text('{"op":"subscribed"}')

        async def forward() -> None:
            async for event in sub:
                await websocket.send_bytes(event_json(event))

        async def until_gone() -> None:
            try:
                while True:  # the browser sends nothing; this notices it leave
                    await websocket.receive_text()
            except WebSocketDisconnect:
                return

        sender = asyncio.ensure_future(forward())
        watcher = asyncio.ensure_future(until_gone())
        try:
            await asyncio.wait({sender, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, watcher):
                task.cancel()
            await asyncio.gather(sender, watcher, return_exceptions=True)
