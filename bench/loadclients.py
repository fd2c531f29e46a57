"""Many LiveQuery subscribers in one process, cheap enough not to be the bottleneck.

The server benchmarks need up to 1,000 connections and 10,000 subscriptions
while the server under test keeps both cores busy, so each connection is a
bare asyncio Protocol speaking RFC 6455 by hand: it sends `connect` and its
`subscribe` frames, answers pings (Parse Server drops sockets that miss a
pong), and counts event frames by looking at a few bytes, never decoding JSON.

Modes for the `where` of subscription number i (0-based, across connections):
``same`` gives every subscription ``{"run": TAG}``; ``distinct`` gives
``{"slot": i}`` so a write with ``slot = i`` matches exactly one;
``distinct-tagged`` gives ``{"run": TAG, "slot": i}`` (the same, plus a field
every subscription shares, as when an app scopes all queries to a tenant);
``regex`` gives ``{"name": {"$regex": "^p00042-"}}`` (``slot_name(i)`` starts
with it, no other slot's name does) and ``range`` gives ``{"score": {"$gt":
10 i, "$lt": 10 i + 10}}`` (disjoint; ``slot_score(i)`` falls in the i-th).

Events are counted without copying a frame: the scan looks for ``"object"``
inside the receive buffer, and reads ``benchSentNs`` (the write's clock, for
latency) from one event in ``--latency-every`` only, so one process keeps up
with a server fanning out to a thousand clients.

Protocol with the harness (stdout, one JSON line each): ``{"event": "ready",
...}`` once every subscription is acknowledged, then ``{"event": "done", ...}``
when ``--expect`` events arrived or stdin closed (with ``--hold``, the sockets
stay open after it until stdin closes). The master key comes from
the ``BENCH_MASTER_KEY`` environment variable, never argv.
Usage: ``python -m bench.loadclients --url WS --app-id ID --connections C
--subs-per-conn K --mode same|distinct --tag TAG --expect E``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import sys
import time
from typing import Any

from bench import rawws
from bench.events import NS_KEY, find_int
from bench.reader import percentile

CLASS = "Bench"
MODES = ("same", "distinct", "distinct-tagged", "regex", "range")
_OBJECT = b'"object"'
_SUBSCRIBED = b'"subscribed"'
_ERROR = b'"error"'


def slot_name(slot: int) -> str:
    """The ``name`` a write for ``slot`` carries: only ``slot``'s ``regex`` query matches it."""
    return f"p{slot:05d}-x"


def slot_score(slot: int) -> int:
    """The ``score`` a write for ``slot`` carries; only the ``range`` query of ``slot`` holds it."""
    return slot * 10 + 5


def slot_where(mode: str, slot: int, tag: str) -> dict[str, Any]:
    """The ``where`` of subscription number ``slot`` in ``mode``."""
    if mode == "same":
        return {"run": tag}
    if mode == "distinct":
        return {"slot": slot}
    if mode == "distinct-tagged":
        return {"run": tag, "slot": slot}
    if mode == "regex":
        return {"name": {"$regex": "^" + slot_name(slot)[:-1]}}
    if mode == "range":
        return {"score": {"$gt": slot * 10, "$lt": slot * 10 + 10}}
    raise ValueError(f"unknown mode {mode!r}")


class Totals:
    def __init__(self, expect: int, latency_every: int = 1) -> None:
        self.expect = expect
        self.latency_every = max(1, latency_every)
        self.events = 0
        self.errors: list[str] = []
        self.first_ns = 0
        self.last_ns = 0
        self.latencies: list[int] = []
        self.subscribed = 0
        self.all_subscribed = asyncio.Event()
        self.target_subscriptions = 0
        self.finished = asyncio.Event()


class Subscriber(asyncio.Protocol):
    def __init__(self, totals: Totals, host: str, path: str, messages: list[bytes]) -> None:
        self.totals = totals
        self.host = host
        self.path = path
        self.messages = messages
        self.buf = bytearray()
        self.upgraded = False
        self.transport: asyncio.Transport | None = None
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        transport.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in self.buf[: self.buf.find(b"\r\n")]:
                self.totals.errors.append(self.buf[:80].decode(errors="replace"))
                assert self.transport is not None
                self.transport.close()
                return
            del self.buf[: end + 4]
            self.upgraded = True
            assert self.transport is not None
            self.transport.write(b"".join(self.messages))
        self._frames()

    def _frames(self) -> None:
        buf = self.buf
        pos = 0
        size = len(buf)
        while pos + 2 <= size:
            opcode = buf[pos] & 0x0F
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if pos + 4 > size:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if pos + 10 > size:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if pos + head + length > size:
                break
            start = pos + head
            pos = start + length
            if opcode == rawws.OP_TEXT:
                self._message(buf, start, pos)
            elif opcode == rawws.OP_PING:
                assert self.transport is not None
                payload = bytes(buf[start:pos])
                self.transport.write(rawws.encode_frame(rawws.OP_PONG, payload, masked=True))
        del buf[:pos]

    def _message(self, buf: bytearray, start: int, end: int) -> None:
        totals = self.totals
        if buf.find(_OBJECT, start, end) >= 0:
            now = time.monotonic_ns()
            totals.events += 1
            if not totals.first_ns:
                totals.first_ns = now
            totals.last_ns = now
            if totals.events % totals.latency_every == 0:
                sent = find_int(bytes(buf[start:end]), NS_KEY)
                if sent:
                    totals.latencies.append(now - sent)
            if totals.expect and totals.events >= totals.expect:
                totals.finished.set()
        elif buf.find(_SUBSCRIBED, start, end) >= 0:
            totals.subscribed += 1
            if totals.subscribed >= totals.target_subscriptions:
                totals.all_subscribed.set()
        elif buf.find(_ERROR, start, end) >= 0:
            totals.errors.append(bytes(buf[start:end])[:300].decode(errors="replace"))


def _messages(
    app_id: str, master_key: str, first_slot: int, count: int, mode: str, tag: str
) -> list[bytes]:
    connect: dict[str, Any] = {"op": "connect", "applicationId": app_id}
    if master_key:
        connect["masterKey"] = master_key
    frames = [json.dumps(connect).encode()]
    for request_id in range(1, count + 1):
        where = slot_where(mode, first_slot + request_id - 1, tag)
        frames.append(
            json.dumps(
                {
                    "op": "subscribe",
                    "requestId": request_id,
                    "query": {"className": CLASS, "where": where},
                }
            ).encode()
        )
    return [rawws.encode_frame(rawws.OP_TEXT, f, masked=True) for f in frames]


def emit(record: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


async def run(args: argparse.Namespace) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(args.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    totals = Totals(args.expect, args.latency_every)
    totals.target_subscriptions = args.connections * args.subs_per_conn
    master_key = os.environ.get("BENCH_MASTER_KEY", "")
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(50)
    protocols: list[Subscriber] = []

    async def open_one(index: int) -> None:
        messages = _messages(
            args.app_id,
            master_key,
            args.first_slot + index * args.subs_per_conn,
            args.subs_per_conn,
            args.mode,
            args.tag,
        )
        async with gate:
            _, proto = await loop.create_connection(
                lambda: Subscriber(totals, f"{host}:{port}", parts.path or "/", messages),
                host,
                port,
            )
            protocols.append(proto)

    started = time.monotonic_ns()
    await asyncio.gather(*(open_one(i) for i in range(args.connections)))
    try:
        await asyncio.wait_for(totals.all_subscribed.wait(), args.ready_timeout)
    except TimeoutError:
        emit({"event": "failed", "subscribed": totals.subscribed, "errors": totals.errors[:5]})
        return
    emit(
        {
            "event": "ready",
            "connections": len(protocols),
            "subscriptions": totals.subscribed,
            "setup_s": round((time.monotonic_ns() - started) / 1e9, 3),
        }
    )
    stdin_closed: asyncio.Future[None] = loop.create_future()

    def mark_closed() -> None:
        if not stdin_closed.done():
            stdin_closed.set_result(None)

    def watch_stdin() -> None:
        sys.stdin.buffer.read()
        loop.call_soon_threadsafe(mark_closed)

    loop.run_in_executor(None, watch_stdin)
    finished: asyncio.Future[bool] = asyncio.ensure_future(totals.finished.wait())
    waiters: list[asyncio.Future[Any]] = [finished, stdin_closed]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    totals.latencies.sort()
    lat = totals.latencies
    emit(
        {
            "event": "done",
            "events": totals.events,
            "first_ns": totals.first_ns,
            "last_ns": totals.last_ns,
            "errors": totals.errors[:5],
            "latency_us": {
                "samples": len(lat),
                "p50": percentile(lat, 0.5) / 1000,
                "p99": percentile(lat, 0.99) / 1000,
                "max": (lat[-1] if lat else 0) / 1000,
            },
        }
    )
    finished.cancel()
    if args.hold and not stdin_closed.done():
        # Keep every socket until the harness has read its figures: tearing
        # down thousands of connections must not fall in a measured window.
        await stdin_closed
    for proto in protocols:
        if proto.transport is not None:
            proto.transport.abort()
    os._exit(0)  # the stdin reader thread may still be blocked


def raise_fd_limit() -> None:
    """A thousand sockets need more descriptors than a default soft limit of 1024 allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def main() -> None:
    raise_fd_limit()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--subs-per-conn", type=int, default=1)
    parser.add_argument("--mode", choices=MODES, default="same")
    parser.add_argument(
        "--first-slot", type=int, default=0, help="slot of this process's first subscription"
    )
    parser.add_argument(
        "--latency-every", type=int, default=1, help="read the write clock of 1 event in N"
    )
    parser.add_argument("--tag", required=True)
    parser.add_argument(
        "--expect", type=int, default=0, help="events to wait for (0: until stdin closes)"
    )
    parser.add_argument(
        "--hold", action="store_true", help="after `done`, keep the sockets until stdin closes"
    )
    parser.add_argument("--ready-timeout", type=float, default=120.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
