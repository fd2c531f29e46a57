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
every subscription shares, as when an app scopes all queries to a tenant).

Protocol with the harness (stdout, one JSON line each): ``{"event": "ready",
...}`` once every subscription is acknowledged, then ``{"event": "done", ...}``
when ``--expect`` events arrived or stdin closed. The master key comes from
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


class Totals:
    def __init__(self, expect: int) -> None:
        self.expect = expect
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
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            if opcode == rawws.OP_PING:
                assert self.transport is not None
                self.transport.write(rawws.encode_frame(rawws.OP_PONG, payload, masked=True))
            elif opcode == rawws.OP_TEXT:
                self._message(payload)
        del buf[:pos]

    def _message(self, payload: bytes) -> None:
        totals = self.totals
        if b'"object"' in payload:
            now = time.monotonic_ns()
            totals.events += 1
            if not totals.first_ns:
                totals.first_ns = now
            totals.last_ns = now
            sent = find_int(payload, NS_KEY)
            if sent:
                totals.latencies.append(now - sent)
            if totals.expect and totals.events >= totals.expect:
                totals.finished.set()
        elif b'"subscribed"' in payload:
            totals.subscribed += 1
            if totals.subscribed >= totals.target_subscriptions:
                totals.all_subscribed.set()
        elif b'"error"' in payload:
            totals.errors.append(payload[:300].decode(errors="replace"))


def _messages(
    app_id: str, master_key: str, first_slot: int, count: int, mode: str, tag: str
) -> list[bytes]:
    connect: dict[str, Any] = {"op": "connect", "applicationId": app_id}
    if master_key:
        connect["masterKey"] = master_key
    frames = [json.dumps(connect).encode()]
    for request_id in range(1, count + 1):
        where: dict[str, Any] = {} if mode == "distinct" else {"run": tag}
        if mode != "same":
            where["slot"] = first_slot + request_id - 1
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
    totals = Totals(args.expect)
    totals.target_subscriptions = args.connections * args.subs_per_conn
    master_key = os.environ.get("BENCH_MASTER_KEY", "")
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(50)
    protocols: list[Subscriber] = []

    async def open_one(index: int) -> None:
        messages = _messages(
            args.app_id,
            master_key,
            index * args.subs_per_conn,
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
    parser.add_argument("--mode", choices=("same", "distinct", "distinct-tagged"), default="same")
    parser.add_argument("--tag", required=True)
    parser.add_argument(
        "--expect", type=int, default=0, help="events to wait for (0: until stdin closes)"
    )
    parser.add_argument("--ready-timeout", type=float, default=120.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
