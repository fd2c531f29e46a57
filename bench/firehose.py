"""The firehose: a LiveQuery-protocol server that pushes N event frames per subscription.

Run as its own process (``python -m bench.firehose --events N [--rate R]``) so
its CPU never competes with a consumer inside one interpreter. It answers
``connect`` with ``connected`` and ``subscribe`` with ``subscribed`` (echoing
the requestId) exactly like Parse Server, then pushes N frames from
pre-encoded templates (see ``bench.events``), either as fast as the socket
drains (blocking ``sendall``: a consumer that stops reading stalls the
firehose, which is how TCP backpressure looks from a real server) or at a
fixed rate for latency runs. ``unsubscribe`` gets ``unsubscribed``; pings get
pongs, so a client's keepalive never trips during a slow-consumer stall. A
plain HTTP request (a resyncing ``lq tail``'s REST ``find``) gets an empty
result set, as from a server with no stored objects.

Protocol to the harness, one JSON object per line on stdout:
``{"event": "ready", "port": P}`` once, then per connection
``{"event": "subscribed", "conn": k, "t_ns": ...}`` and
``{"event": "done", "conn": k, "sent": n, "first_ns": ..., "last_ns": ...,
"blocked_ns": ...}``. It exits when stdin closes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass, field

from bench import rawws
from bench.events import NS_WIDTH, SEQ_WIDTH, Template, build_templates

CHUNK_FRAMES = 64
_EMPTY_RESULTS = b'{"results":[]}'
EMPTY_FIND = (
    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(_EMPTY_RESULTS), _EMPTY_RESULTS)
)


@dataclass
class Plan:
    events: int
    rate: float  # events per second; 0 means as fast as the socket drains
    templates: dict[int, list[Template]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def templates_for(self, request_id: int) -> list[Template]:
        """Templates carry requestId 1; other ids get their own set, built once."""
        with self.lock:
            if request_id not in self.templates:
                self.templates[request_id] = _with_request_id(self.templates[1], request_id)
            return self.templates[request_id]


def _with_request_id(base: list[Template], request_id: int) -> list[Template]:
    old, new = b'"requestId":1,', b'"requestId":%d,' % request_id
    out = []
    for t in base:
        header_len = 2 if t.frame[1] < 126 else 4
        payload = t.frame[header_len:].replace(old, new, 1)
        frame = rawws.encode_frame(rawws.OP_TEXT, payload)
        shift = len(frame) - len(t.frame)
        out.append(Template(t.op, frame, t.seq_offset + shift, t.ns_offset + shift))
    return out


def emit(record: dict[str, object]) -> None:
    """One line to the harness; stdout is shared by connection threads."""
    with _emit_lock:
        sys.stdout.write(json.dumps(record) + "\n")
        sys.stdout.flush()


_emit_lock = threading.Lock()


class Connection:
    """One client: a reader thread answering frames, a pusher thread once subscribed."""

    def __init__(self, sock: socket.socket, conn_id: int, plan: Plan) -> None:
        self.sock = sock
        self.conn_id = conn_id
        self.plan = plan
        self.send_lock = threading.Lock()
        self.client_id = conn_id
        self.pushing = False

    def send(self, data: bytes) -> None:
        with self.send_lock:
            self.sock.sendall(data)

    def send_json(self, message: dict[str, object]) -> None:
        self.send(rawws.encode_frame(rawws.OP_TEXT, json.dumps(message).encode()))

    def serve(self) -> None:
        reader = rawws.SocketReader(self.sock)
        try:
            head = reader.read_until(b"\r\n\r\n")
            if b"upgrade: websocket" not in head.lower():
                # A REST request (a resyncing tail's first load): an empty result set,
                # as a server with no stored objects answers.
                self.sock.sendall(EMPTY_FIND)
                return
            rawws.server_handshake(self.sock, reader, head)
            while True:
                frame = rawws.read_frame(reader)
                if frame.opcode == rawws.OP_TEXT:
                    self.on_message(frame.payload)
                elif frame.opcode == rawws.OP_PING:
                    self.send(rawws.encode_frame(rawws.OP_PONG, frame.payload))
                elif frame.opcode == rawws.OP_CLOSE:
                    self.send(rawws.encode_frame(rawws.OP_CLOSE, frame.payload[:2]))
                    break
        except (rawws.Closed, OSError):
            pass
        finally:
            self.sock.close()

    def on_message(self, payload: bytes) -> None:
        try:
            message = json.loads(payload)
        except ValueError:
            return  # Parse Server logs and drops invalid JSON
        op = message.get("op")
        if op == "connect":
            self.send_json({"op": "connected", "clientId": self.client_id})
        elif op == "subscribe":
            request_id = int(message.get("requestId", 1))
            self.send_json(
                {"op": "subscribed", "clientId": self.client_id, "requestId": request_id}
            )
            emit({"event": "subscribed", "conn": self.conn_id, "t_ns": time.monotonic_ns()})
            if not self.pushing:
                self.pushing = True
                templates = self.plan.templates_for(request_id)
                threading.Thread(target=self.push, args=(templates,), daemon=True).start()
        elif op == "unsubscribe":
            request_id = message.get("requestId")
            self.send_json(
                {"op": "unsubscribed", "clientId": self.client_id, "requestId": request_id}
            )

    def push(self, templates: list[Template]) -> None:
        total = self.plan.events
        sent = 0
        first_ns = last_ns = 0
        blocked_ns = 0
        cycle = itertools.cycle(templates)
        try:
            while sent < total:
                if self.plan.rate > 0:
                    count = self._due(sent, first_ns) - sent
                    if count <= 0:
                        continue
                else:
                    count = min(CHUNK_FRAMES, total - sent)
                now = time.monotonic_ns()
                if not first_ns:
                    first_ns = now
                chunk = _build_chunk(cycle, sent, count, now)
                self.send(chunk)
                after = time.monotonic_ns()
                blocked_ns += after - now
                last_ns = after
                sent += count
        except OSError:
            pass
        emit(
            {
                "event": "done",
                "conn": self.conn_id,
                "sent": sent,
                "first_ns": first_ns,
                "last_ns": last_ns,
                "blocked_ns": blocked_ns,
            }
        )

    def _due(self, sent: int, first_ns: int) -> int:
        """Frames due by now at the plan's rate; sleeps until the next one is due."""
        if not first_ns:
            return sent + 1
        interval_ns = 1e9 / self.plan.rate
        due = min(self.plan.events, int((time.monotonic_ns() - first_ns) / interval_ns) + 1)
        if due <= sent:
            wake = first_ns + sent * interval_ns
            delay = (wake - time.monotonic_ns()) / 1e9
            if delay > 0:
                time.sleep(delay)
        return due


def _build_chunk(cycle: itertools.cycle[Template], first_seq: int, count: int, now: int) -> bytes:
    buf = bytearray()
    ns = b"%*d" % (NS_WIDTH, now)
    for seq in range(first_seq, first_seq + count):
        t = next(cycle)
        at = len(buf)
        buf += t.frame
        buf[at + t.seq_offset : at + t.seq_offset + SEQ_WIDTH] = b"%*d" % (SEQ_WIDTH, seq)
        buf[at + t.ns_offset : at + t.ns_offset + NS_WIDTH] = ns
    return bytes(buf)


def serve(plan: Plan, host: str, port: int) -> None:
    listener = socket.create_server((host, port), backlog=1024)
    emit({"event": "ready", "port": listener.getsockname()[1]})
    conn_ids = itertools.count(1)

    def accept_loop() -> None:
        while True:
            sock, _ = listener.accept()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(sock, next(conn_ids), plan)
            threading.Thread(target=conn.serve, daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    sys.stdin.read()  # the harness closes stdin (or dies) to stop us


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, required=True, help="frames per subscription")
    parser.add_argument("--rate", type=float, default=0.0, help="events/s (0: as fast as drained)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--templates", type=int, default=1000)
    args = parser.parse_args(argv)
    plan = Plan(args.events, args.rate)
    plan.templates[1] = build_templates(args.templates)
    serve(plan, args.host, args.port)


if __name__ == "__main__":
    main()
