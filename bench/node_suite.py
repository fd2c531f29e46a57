"""Cluster benchmarks: ``lq serve --parse-server`` against Parse's own LiveQuery node.

One cluster, started with the test rig (``tests/support``, ``tests/cluster``):
PostgreSQL, a private Redis, one Parse Server 9.10 with ``redisURL`` (the
publisher: every write of the benchmark goes through its REST API), a
LiveQuery-only Parse Server process (Parse's node) and an ``lq serve
--parse-server`` process (lq's node), both subscribed to the same Redis. The
two nodes receive the very same messages; only their own processes are
measured (CPU in nanoseconds from ``/proc/PID/task/*/schedstat``, memory
from ``VmRSS``), never the publisher, PostgreSQL or Redis. Subscribers are
``bench.loadclients`` processes (bare sockets that count frames), one per
node, with the master key (so no session lookups).

- distinct subscriptions: S connections with one query ``{slot: i}`` each, on
  both nodes at once; W writes each matching exactly one; node CPU per write,
  raw and minus the node's idle CPU (pings) over the same time, measured just
  before with the same connections;
- fan-out: C clients on one query, W writes (4 writers in parallel), one node
  at a time (the other keeps receiving the writes, with no subscriber),
  interleaved over rounds: events/s from the first write to the last event;
- idle: N subscribed, silent clients on both nodes: RSS growth per connection,
  then node CPU over a window with no writes (WebSocket pings and timers only).
"""

from __future__ import annotations

import json
import select
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from bench import procs
from bench.catalog import REPO

sys.path.insert(0, str(REPO / "tests"))

Log = Callable[[str], None]
CLASS = "Bench"
LQ_NODE = "lq serve --parse-server"
PARSE_NODE = "Parse LiveQuery 9.10.0"
NODES = (LQ_NODE, PARSE_NODE)


@dataclass(frozen=True)
class NodeSizes:
    distinct_subscriptions: int
    distinct_writes: int
    fanout_clients: int
    fanout_writes: int
    fanout_rounds: int
    idle_clients: int
    idle_window_s: float
    baseline_window_s: float


SIZES = {
    "full": NodeSizes(10_000, 200, 1000, 20, 3, 5000, 30.0, 20.0),
    "quick": NodeSizes(2000, 30, 500, 10, 1, 1000, 10.0, 5.0),
    "smoke": NodeSizes(20, 5, 5, 3, 1, 10, 1.0, 1.0),
}


@dataclass
class Node:
    name: str
    pid: int
    ws_url: str
    app_id: str
    master_key: str


class Clients:
    """A running ``bench.loadclients`` process connected to one node."""

    def __init__(
        self, node: Node, connections: int, mode: str, expect: int, ready_timeout_s: float = 180
    ) -> None:
        self.tag = uuid.uuid4().hex[:12]
        self.node = node
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.loadclients",
                "--url",
                node.ws_url,
                "--app-id",
                node.app_id,
                "--connections",
                str(connections),
                "--subs-per-conn",
                "1",
                "--mode",
                mode,
                "--tag",
                self.tag,
                "--expect",
                str(expect),
                "--ready-timeout",
                str(ready_timeout_s),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO,
            env={"BENCH_MASTER_KEY": node.master_key, "PATH": "/usr/bin:/bin"},
        )
        self.ready: dict[str, Any] = {}

    def wait_ready(self) -> bool:
        self.ready = self._line()
        return self.ready.get("event") == "ready"

    def _line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = self.proc.stdout.readline()
        return json.loads(raw) if raw else {"event": "exited"}

    def wait_done(self, timeout_s: float) -> None:
        """Wait for the process to end by itself (``--expect`` reached) or the deadline."""
        with suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout_s)

    def finish(self, timeout_s: float = 30.0) -> dict[str, Any]:
        """Its ``done`` record (stdin closed to ask for it), or ``{}`` if none comes in time."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        assert self.proc.stdout is not None
        record = self._line() if select.select([self.proc.stdout], [], [], timeout_s)[0] else {}
        if self.proc.poll() is None:
            self.proc.kill()
        procs.stop(self.proc)
        return record


def _write(rest: Any, tag: str, slot: int) -> None:
    rest.create(
        CLASS,
        {
            "run": tag,
            "slot": slot,
            "benchSentNs": time.monotonic_ns(),
            "score": slot * 7,
            "playerName": "bench",
            "tags": ["a", "b"],
            "level": {"name": "forest", "boss": False},
        },
        master=True,
    )


def _connect(nodes: list[Node], connections: int, mode: str, expect: int) -> dict[str, Clients]:
    """One load process per node, connected one node after the other (20,000 sockets
    opening at once on two shared cores made Parse's node drop some); fails loudly."""
    clients: dict[str, Clients] = {}
    for node in nodes:
        load = clients[node.name] = Clients(node, connections, mode, expect)
        if not load.wait_ready():
            for other in clients.values():
                other.finish()
            raise RuntimeError(f"{node.name}: subscribing failed: {load.ready}")
    return clients


def _cpu(nodes: list[Node]) -> dict[str, float]:
    return {node.name: procs.threads_cpu_s(node.pid) for node in nodes}


def distinct(nodes: list[Node], rest: Any, sizes: NodeSizes, log: Log) -> dict[str, Any]:
    """CPU per write with S distinct subscriptions, one per connection, on every node at once.

    Both nodes hold their connections during the same writes; each node's CPU is
    read from the first write until its own clients have every event, and its idle
    CPU rate (pings, timers), measured just before over ``baseline_window_s`` with
    the same connections, is subtracted for the "net" figure.
    """
    subs, writes = sizes.distinct_subscriptions, sizes.distinct_writes
    clients = _connect(nodes, subs, "distinct", writes)
    time.sleep(1.0)  # subscribe handling done before any window opens
    base0, t0 = _cpu(nodes), time.monotonic()
    time.sleep(sizes.baseline_window_s)
    base1, t1 = _cpu(nodes), time.monotonic()
    tag = next(iter(clients.values())).tag  # {slot: i} queries ignore run
    cpu0, start = _cpu(nodes), time.monotonic()
    for i in range(writes):
        _write(rest, tag, (i * 7919) % subs)
    write_s = time.monotonic() - start
    # Each node's window closes when its own clients have every event (plus a moment for
    # the last frames' bookkeeping), so a fast node is not charged the slow one's wait.
    cpu1: dict[str, float] = {}
    ends: dict[str, float] = {}
    deadline = time.monotonic() + 300.0
    while len(cpu1) < len(nodes) and time.monotonic() < deadline:
        for node in nodes:
            if node.name not in cpu1 and clients[node.name].proc.poll() is not None:
                time.sleep(0.2)
                cpu1[node.name], ends[node.name] = procs.threads_cpu_s(node.pid), time.monotonic()
        time.sleep(0.02)
    for node in nodes:
        if node.name not in cpu1:
            cpu1[node.name], ends[node.name] = procs.threads_cpu_s(node.pid), time.monotonic()
    out: dict[str, Any] = {}
    for node in nodes:
        done = clients[node.name].finish()
        idle_rate = (base1[node.name] - base0[node.name]) / (t1 - t0)
        used = cpu1[node.name] - cpu0[node.name]
        end = ends[node.name]
        received = done.get("events", 0)
        out[node.name] = {
            "subscriptions": subs,
            "connections": subs,
            "writes": writes,
            "received": received,
            "loss": writes - received,
            "ok": received == writes,
            "setup_s": clients[node.name].ready.get("setup_s"),
            "write_phase_s": round(write_s, 3),
            "window_s": round(end - start, 3),
            "cpu_s": round(used, 3),
            "idle_cpu_per_s": round(idle_rate, 4),
            "cpu_ms_per_write": round(used / writes * 1000, 3),
            "cpu_ms_per_write_net": round(
                max(used - idle_rate * (end - start), 0.0) / writes * 1000, 3
            ),
        }
        log(f"  {node.name} distinct {subs}: {out[node.name]}")
    return out


def fanout_once(node: Node, rest: Any, clients: int, writes: int, log: Log) -> dict[str, Any]:
    (load,) = _connect([node], clients, "same", clients * writes).values()
    time.sleep(0.5)
    cpu0, start_ns = procs.threads_cpu_s(node.pid), time.monotonic_ns()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: _write(rest, load.tag, i), range(writes)))
    load.wait_done(120.0)
    done = load.finish()
    cpu = procs.threads_cpu_s(node.pid) - cpu0
    expected, received = clients * writes, done.get("events", 0)
    elapsed = (done.get("last_ns", 0) - start_ns) / 1e9
    record = {
        "clients": clients,
        "writes": writes,
        "expected": expected,
        "received": received,
        "loss": expected - received,
        "ok": received == expected,
        "events_per_s": round(received / elapsed) if elapsed > 0 and received == expected else 0,
        "seconds": round(elapsed, 3),
        "node_cpu_s": round(cpu, 3),
    }
    log(f"  {node.name} fan-out {clients}: {record}")
    return record


def fanout(nodes: list[Node], rest: Any, sizes: NodeSizes, log: Log) -> dict[str, Any]:
    rounds: dict[str, list[dict[str, Any]]] = {node.name: [] for node in nodes}
    for _ in range(sizes.fanout_rounds):
        for node in nodes:
            rounds[node.name].append(
                fanout_once(node, rest, sizes.fanout_clients, sizes.fanout_writes, log)
            )
    out: dict[str, Any] = {}
    for name, rows in rounds.items():
        rates = [r["events_per_s"] for r in rows]
        out[name] = {
            "clients": sizes.fanout_clients,
            "writes": sizes.fanout_writes,
            "rounds": rows,
            "events_per_s_median": statistics.median(rates) if rates else 0,
            "loss": sum(r["loss"] for r in rows),
            "ok": all(r["ok"] for r in rows),
        }
    return out


def idle(nodes: list[Node], sizes: NodeSizes, log: Log) -> dict[str, Any]:
    """RSS per connected, subscribed, silent client, then CPU with nobody writing."""
    before = {node.name: procs.vm_rss_kb(node.pid) for node in nodes}
    clients = _connect(nodes, sizes.idle_clients, "same", 0)
    time.sleep(2.0)  # let both runtimes settle after the connection burst
    after = {node.name: procs.vm_rss_kb(node.pid) for node in nodes}
    cpu0, t0 = _cpu(nodes), time.monotonic()
    time.sleep(sizes.idle_window_s)
    cpu1, t1 = _cpu(nodes), time.monotonic()
    out: dict[str, Any] = {}
    for node in nodes:
        done = clients[node.name].finish()
        n = sizes.idle_clients
        out[node.name] = {
            "connections": n,
            "rss_before_mb": round(before[node.name] / 1024, 1),
            "rss_after_mb": round(after[node.name] / 1024, 1),
            "kb_per_connection": round((after[node.name] - before[node.name]) / n, 1),
            "window_s": round(t1 - t0, 1),
            "cpu_s": round(cpu1[node.name] - cpu0[node.name], 3),
            "cpu_percent": round((cpu1[node.name] - cpu0[node.name]) / (t1 - t0) * 100, 2),
            "setup_s": clients[node.name].ready.get("setup_s"),
            "errors": done.get("errors", []),
            "ok": True,
        }
        log(f"  {node.name} idle {n}: {out[node.name]}")
    return out


@contextmanager
def cluster(log: Log) -> Iterator[tuple[list[Node], Any]]:
    """The rig's cluster: (the two nodes, the publisher's REST writer)."""
    from cluster.parse_cluster import LqNode
    from support.parse_server import ParseServer
    from support.postgres import PostgresCluster
    from support.redis import RedisServer

    with ExitStack() as stack:
        redis = RedisServer().start()
        stack.callback(redis.stop)
        postgres = stack.enter_context(PostgresCluster())
        publisher = ParseServer(postgres.create_database(), redis_url=redis.url)
        stack.enter_context(publisher)
        parse_node = ParseServer(
            **publisher.peer_options(), livequery_only=True, server_url=publisher.rest_url
        )
        stack.enter_context(parse_node)
        # Every client of the benchmark comes from 127.0.0.1: lift the per-address limit.
        lq_node = LqNode(publisher, redis, "--max-connections-per-address", "100000").start()
        stack.callback(lq_node.close)
        assert parse_node.pid is not None
        nodes = [
            Node(LQ_NODE, lq_node.pid, lq_node.ws_url, publisher.app_id,
                 publisher.master_key),
            Node(PARSE_NODE, parse_node.pid, parse_node.ws_url, publisher.app_id,
                 publisher.master_key),
        ]  # fmt: skip
        log(f"  cluster: redis {redis.url}, publisher pid {publisher.pid}, nodes {nodes[0].pid}"
            f" (lq) / {nodes[1].pid} (Parse)")  # fmt: skip
        yield nodes, publisher.rest


def run(mode: str, log: Log) -> dict[str, Any]:
    from support.postgres import missing_binaries
    from support.redis import redis_binary

    sizes = SIZES[mode]
    results: dict[str, Any] = {"sizes": sizes.__dict__, "problems": {}}
    why = missing_binaries() or (None if redis_binary() else "redis-server is not installed")
    if why:
        results["problems"]["cluster"] = why
        log(f"  cluster: {why}")
        return results
    with cluster(log) as (nodes, rest):
        _write(rest, "warmup", 0)  # the class's fields exist before anything is timed
        # A first round of clients loads each node's lazily imported code and warms its
        # JIT, so the idle RSS growth is the connections' and not the start-up's.
        for node in nodes:
            fanout_once(node, rest, min(50, sizes.fanout_clients), 2, log)
        results["rss_start_mb"] = {n.name: round(procs.vm_rss_kb(n.pid) / 1024, 1) for n in nodes}
        results["idle"] = idle(nodes, sizes, log)
        results["fanout"] = fanout(nodes, rest, sizes, log)
        results["distinct"] = distinct(nodes, rest, sizes, log)
    return results
