"""Server-side benchmarks: `lq serve` and Parse Server 9 under the same write load.

Both servers are started through the test rig (``tests/support``: a throwaway
PostgreSQL + ``tests/node/parse_server.js`` for Parse Server, ``python -m
livequery_cli serve`` for `lq serve`), loopback only. Subscribers run in a
separate ``bench.loadclients`` process; writes go through the rig's REST
writer with the master key. Measured per server:

- fan-out: C clients on one query, W writes: events delivered per second;
- distinct subscriptions: S queries ``{slot: i}`` (and, at the largest S,
  ``{run: TAG, slot: i}``: a field shared by all of them), W writes each
  matching exactly one: server CPU per write (``/proc/PID/stat`` of the
  server process; Parse Server's PostgreSQL is a separate process and is not
  counted, `lq serve`'s SQLite is in-process and is), next to the same writes
  with no subscription at all;
- idle connections: RSS growth per connected, subscribed, silent client;
- write -> event latency: one subscriber, writes one at a time.
"""

from __future__ import annotations

import contextlib
import json
import select
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from bench import procs
from bench.catalog import REPO

sys.path.insert(0, str(REPO / "tests"))

Log = Callable[[str], None]
CLASS = "Bench"


@dataclass(frozen=True)
class ServerSizes:
    fanout_clients: tuple[int, ...]
    fanout_writes: int
    distinct_subscriptions: tuple[int, ...]
    distinct_writes: int
    idle_connections: int
    latency_writes: int


SIZES = {
    "full": ServerSizes((100, 1000), 20, (100, 1000, 10_000), 100, 1000, 200),
    "quick": ServerSizes((100,), 10, (100, 1000), 50, 200, 50),
    "smoke": ServerSizes((5,), 3, (10,), 5, 10, 5),
}


@dataclass
class Target:
    name: str
    handle: Any  # support.parse_server.ParseServer or support.lq_server.LqServer

    @property
    def pid(self) -> int:
        return int(self.handle.pid)


class LoadClients:
    """A running ``bench.loadclients`` process."""

    def __init__(
        self,
        target: Target,
        connections: int,
        subs: int,
        mode: str,
        expect: int,
        *,
        hold: bool = False,
    ) -> None:
        self.tag = uuid.uuid4().hex[:12]
        env = {"BENCH_MASTER_KEY": target.handle.master_key, "PATH": "/usr/bin:/bin"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.loadclients",
                "--url",
                target.handle.ws_url,
                "--app-id",
                target.handle.app_id,
                "--connections",
                str(connections),
                "--subs-per-conn",
                str(subs),
                "--mode",
                mode,
                "--tag",
                self.tag,
                "--expect",
                str(expect),
                *(["--hold"] if hold else []),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO,
            env=env,
        )
        self.ready = self._line()

    def _line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = self.proc.stdout.readline()
        return json.loads(raw) if raw else {"event": "exited"}

    def finish(self, timeout_s: float) -> dict[str, Any]:
        """The `done` record, closing stdin first if it has not finished by the deadline."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout_s)
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        record = self._line()
        procs.stop(self.proc)
        return record

    def held_done(self, timeout_s: float) -> dict[str, Any]:
        """With ``hold``: the `done` record while the sockets stay open (``finish`` closes them).

        A CPU window that ends here does not count the server tearing down the
        connections (10,000 subscriptions' worth). Events not in after
        ``timeout_s`` are lost: stdin is closed to get the record anyway.
        """
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        if not ready and self.proc.stdin is not None:
            self.proc.stdin.close()
        return self._line()


def _write(target: Target, tag: str, slot: int) -> None:
    target.handle.rest.create(
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


def fanout(target: Target, clients: int, writes: int, log: Log) -> dict[str, Any]:
    load = LoadClients(target, clients, 1, "same", clients * writes, hold=True)
    if load.ready.get("event") != "ready":
        load.finish(0)
        return {"clients": clients, "ok": False, "note": f"subscribe failed: {load.ready}"}
    cpu0 = procs.proc_cpu_s(target.pid)
    start_ns = time.monotonic_ns()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda i: _write(target, load.tag, i), range(writes)))
    writes_done_ns = time.monotonic_ns()
    done = load.held_done(60.0)
    cpu = procs.proc_cpu_s(target.pid) - cpu0
    load.finish(0)
    expected = clients * writes
    received = done.get("events", 0)
    elapsed = (done.get("last_ns", 0) - start_ns) / 1e9
    record = {
        "clients": clients,
        "writes": writes,
        "expected": expected,
        "received": received,
        "loss": expected - received,
        "events_per_s": round(received / elapsed) if elapsed > 0 and received == expected else 0,
        "seconds": round(elapsed, 3),
        "write_phase_s": round((writes_done_ns - start_ns) / 1e9, 3),
        "server_cpu_s": round(cpu, 3),
        "ok": received == expected,
        "note": "" if received == expected else f"received {received} of {expected}",
    }
    log(f"  {target.name} fan-out {clients} clients: {record}")
    return record


def distinct(
    target: Target, subscriptions: int, writes: int, log: Log, *, tagged: bool = False
) -> dict[str, Any]:
    """Per-write CPU with `subscriptions` distinct queries (0: no subscriber at all)."""
    load = None
    tag = uuid.uuid4().hex[:12]
    if subscriptions:
        connections = min(100, max(1, subscriptions // 10))
        per_conn = subscriptions // connections
        subscriptions = connections * per_conn
        mode = "distinct-tagged" if tagged else "distinct"
        load = LoadClients(target, connections, per_conn, mode, writes, hold=True)
        tag = load.tag
        if load.ready.get("event") != "ready":
            return {"subscriptions": subscriptions, "ok": False, "note": f"failed: {load.ready}"}
    time.sleep(0.5)  # let subscribe handling finish before the CPU window opens
    cpu0 = procs.proc_cpu_s(target.pid)
    start = time.monotonic()
    for i in range(writes):
        _write(target, tag, (i * 7919) % subscriptions if subscriptions else i)
    write_s = time.monotonic() - start
    done = load.held_done(30.0) if load else {"events": 0}
    cpu = procs.proc_cpu_s(target.pid) - cpu0
    if load:
        load.finish(0)
    expected = writes if subscriptions else 0
    received = done.get("events", 0)
    record = {
        "subscriptions": subscriptions,
        "where": "{run: TAG, slot: i}" if tagged else "{slot: i}",
        "writes": writes,
        "expected": expected,
        "received": received,
        "loss": expected - received,
        "cpu_ms_per_write": round(cpu / writes * 1000, 2),
        "writes_per_s": round(writes / write_s, 1),
        "setup_s": load.ready.get("setup_s") if load else 0,
        "ok": received == expected,
        "note": "" if received == expected else f"received {received}",
    }
    log(f"  {target.name} distinct subscriptions {subscriptions} {record['where']}: {record}")
    return record


def idle(target: Target, connections: int, log: Log) -> dict[str, Any]:
    before = procs.vm_rss_kb(target.pid)
    load = LoadClients(target, connections, 1, "same", 0)
    if load.ready.get("event") != "ready":
        return {"connections": connections, "ok": False, "note": f"failed: {load.ready}"}
    time.sleep(1.0)
    after = procs.vm_rss_kb(target.pid)
    load.finish(0)
    record = {
        "connections": connections,
        "rss_before_mb": round(before / 1024, 1),
        "rss_after_mb": round(after / 1024, 1),
        "kb_per_connection": round((after - before) / connections, 1),
        "ok": True,
        "note": "",
    }
    log(f"  {target.name} idle connections: {record}")
    return record


def latency(target: Target, writes: int, log: Log) -> dict[str, Any]:
    load = LoadClients(target, 1, 1, "same", writes)
    if load.ready.get("event") != "ready":
        return {"writes": writes, "ok": False, "note": f"failed: {load.ready}"}
    for i in range(writes):
        _write(target, load.tag, i)
        time.sleep(0.01)
    done = load.finish(30.0)
    record = {
        "writes": writes,
        "received": done.get("events", 0),
        "loss": writes - done.get("events", 0),
        "latency_us": done.get("latency_us", {}),
        "ok": done.get("events") == writes,
        "note": "",
    }
    log(f"  {target.name} write->event latency: {record}")
    return record


@contextmanager
def _servers(
    log: Log, *, max_connections_per_address: int = 5000
) -> Iterator[tuple[list[Target], dict[str, str]]]:
    from support.lq_server import LqServer
    from support.parse_server import ParseServer
    from support.postgres import PostgresCluster, missing_binaries

    problems: dict[str, str] = {}
    targets: list[Target] = []
    with ExitStack() as stack:
        try:
            # The fan-out section connects 1,000 clients from one address:
            # lift lq serve's per-address limit (Parse Server has none).
            limit = str(max_connections_per_address)
            lq = stack.enter_context(LqServer(extra_args=("--max-connections-per-address", limit)))
            targets.append(Target("lq serve", lq))
        except Exception as exc:  # a server that cannot start is reported, not fatal
            problems["lq serve"] = f"did not start: {str(exc).splitlines()[0][:300]}"
        reason = missing_binaries()
        if reason:
            problems["Parse Server 9.10.0"] = reason
        else:
            try:
                cluster = stack.enter_context(PostgresCluster())
                server = ParseServer(cluster.create_database())
                stack.enter_context(server)
                server.start()
                targets.append(Target("Parse Server 9.10.0", server))
            except Exception as exc:
                problems["Parse Server 9.10.0"] = f"did not start: {str(exc).splitlines()[0][:300]}"
        for name, why in problems.items():
            log(f"  {name}: {why}")
        yield targets, problems


def run(mode: str, log: Log) -> dict[str, Any]:
    sizes = SIZES[mode]
    results: dict[str, Any] = {"sizes": sizes.__dict__, "targets": {}}
    with _servers(log) as (targets, problems):
        results["problems"] = problems
        for target in targets:
            _write(target, "warmup", 0)  # schema fields exist before anything is timed
            out: dict[str, Any] = {"pid_rss_start_mb": round(procs.vm_rss_kb(target.pid) / 1024, 1)}
            out["idle"] = idle(target, sizes.idle_connections, log)
            out["fanout"] = [
                fanout(target, c, sizes.fanout_writes, log) for c in sizes.fanout_clients
            ]
            writes = sizes.distinct_writes
            out["distinct"] = [distinct(target, 0, writes, log)]
            out["distinct"] += [
                distinct(target, n, writes, log) for n in sizes.distinct_subscriptions
            ]
            largest = max(sizes.distinct_subscriptions)
            out["distinct"].append(distinct(target, largest, writes, log, tagged=True))
            out["latency"] = latency(target, sizes.latency_writes, log)
            results["targets"][target.name] = out
    return results
