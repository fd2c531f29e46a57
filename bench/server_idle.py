"""Idle costs of `lq serve` and Parse Server 9, side by side in one run.

Both servers run at their default settings for pings: Parse Server 9.10.0
pings every connection every 10 s (``websocketTimeout``, unset in the rig)
and drops one that has not answered by the next tick; `lq serve` pings a
connection only after a whole ``ping_interval`` (10 s) without a frame from
it, and drops it if it is still silent at the next sweep. The load generator
(``bench.loadclients``, bare asyncio sockets) answers every ping.

Measured per server, each started fresh through the test rig's starters (as
``bench.server_suite`` does):

- idle CPU: N connected clients, one distinct subscription each (the shape
  real apps have), nobody writing: user + sys CPU of the server process over a
  window of several ping intervals (``/proc/PID/stat``), next to the same
  server's CPU over a window with no client at all; the load generator's CPU
  is given too;
- RSS per idle connection: the server's VmRSS growth from before the clients
  connect to the end of the window, divided by N;
- RSS per stored object: M objects of 450-480 bytes of JSON created through REST
  (4 keep-alive writers) in a fresh server; VmRSS before and after, and, after a restart
  on the same data, `lq serve`'s VmRSS (it loads its objects at start) against
  a fresh empty one. Parse Server keeps objects in PostgreSQL, a separate
  process whose memory is *not* counted; `lq serve`'s SQLite is in-process.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from bench import procs
from bench.server_suite import CLASS, LoadClients, Target

Log = Callable[[str], None]
LQ = "lq serve"
PARSE = "Parse Server 9.10.0"


@dataclass(frozen=True)
class IdleSizes:
    connections: int
    window_s: float  # idle CPU window, with clients
    baseline_s: float  # idle CPU window, no client
    objects: int


SIZES = {
    "full": IdleSizes(5000, 60.0, 20.0, 100_000),
    "quick": IdleSizes(2000, 25.0, 10.0, 20_000),
    "smoke": IdleSizes(20, 1.0, 0.5, 200),
}


def _cpu_pct(pid: int, seconds: float) -> float:
    before = procs.proc_cpu_s(pid)
    time.sleep(seconds)
    return round((procs.proc_cpu_s(pid) - before) / seconds * 100, 2)


def idle_clients(target: Target, sizes: IdleSizes, log: Log) -> dict[str, Any]:
    """CPU and RSS of a server holding N silent, subscribed clients."""
    baseline = _cpu_pct(target.pid, sizes.baseline_s)
    rss_before = procs.vm_rss_kb(target.pid)
    load = LoadClients(target, sizes.connections, 1, "distinct", 0)
    if load.ready.get("event") != "ready":
        load.finish(0)
        return {"connections": sizes.connections, "ok": False, "note": f"failed: {load.ready}"}
    time.sleep(min(2.0, sizes.window_s))  # subscribe handling done before the window opens
    server0, load0 = procs.proc_cpu_s(target.pid), procs.proc_cpu_s(load.proc.pid)
    started = time.monotonic()
    time.sleep(sizes.window_s)
    elapsed = time.monotonic() - started
    server_cpu = procs.proc_cpu_s(target.pid) - server0
    load_cpu = procs.proc_cpu_s(load.proc.pid) - load0
    rss_after = procs.vm_rss_kb(target.pid)
    done = load.finish(0)
    record = {
        "connections": sizes.connections,
        "window_s": round(elapsed, 1),
        "cpu_pct": round(server_cpu / elapsed * 100, 2),
        "baseline_cpu_pct": baseline,
        "loadgen_cpu_pct": round(load_cpu / elapsed * 100, 2),
        "rss_before_mb": round(rss_before / 1024, 1),
        "rss_after_mb": round(rss_after / 1024, 1),
        "kb_per_connection": round((rss_after - rss_before) / sizes.connections, 1),
        "setup_s": load.ready.get("setup_s"),
        "errors": done.get("errors", []),
        "ok": not done.get("errors"),
        "note": "",
    }
    log(f"  {target.name} idle clients: {record}")
    return record


def _object(tag: str, i: int) -> dict[str, Any]:
    """450-480 bytes of JSON once stored (objectId, createdAt and updatedAt added)."""
    return {
        "run": tag,
        "slot": i,
        "playerName": f"player-{i:06d}",
        "score": i * 7,
        "cheatMode": i % 2 == 0,
        "level": {"name": "forest", "boss": False, "stage": i % 40},
        "tags": ["alpha", "beta", f"t{i % 100}"],
        "bio": f"player {i} likes long walks in the forest and " * 4,
    }


def _fill(target: Target, count: int, writers: int = 4) -> float:
    """Create ``count`` objects with ``writers`` keep-alive REST connections; returns seconds.

    One create per request: Parse Server's ``batch`` fails in the rig's
    configuration (``directAccess: false``), and both servers take the same path.
    """
    tag = uuid.uuid4().hex[:12]
    url = urllib.parse.urlsplit(target.handle.rest_url)
    path = f"{url.path}/classes/{CLASS}"
    headers = {
        "X-Parse-Application-Id": target.handle.app_id,
        "X-Parse-Master-Key": target.handle.master_key,
        "Content-Type": "application/json",
    }

    def write(first: int) -> None:
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=30)
        try:
            for i in range(first, count, writers):
                connection.request("POST", path, json.dumps(_object(tag, i)), headers)
                response = connection.getresponse()
                body = response.read()
                if response.status != 201:
                    raise RuntimeError(f"create failed: HTTP {response.status} {body[:200]!r}")
        finally:
            connection.close()

    started = time.monotonic()
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    return time.monotonic() - started


def stored_objects(target: Target, count: int, log: Log) -> dict[str, Any]:
    """RSS growth per stored object, after the writes and after a restart on the same data."""
    target.handle.rest.create(CLASS, _object("warmup", -1), master=True)
    empty_kb = procs.vm_rss_kb(target.pid)
    write_s = _fill(target, count)
    written_kb = procs.vm_rss_kb(target.pid)
    target.handle.restart()
    target.handle.rest.create(CLASS, _object("warmup", -2), master=True)
    restarted_kb = procs.vm_rss_kb(target.pid)
    record: dict[str, Any] = {
        "objects": count,
        "write_s": round(write_s, 1),
        "rss_empty_mb": round(empty_kb / 1024, 1),
        "rss_written_mb": round(written_kb / 1024, 1),
        "rss_restarted_mb": round(restarted_kb / 1024, 1),
        "kb_per_object_written": round((written_kb - empty_kb) / count, 3),
        "kb_per_object_restarted": round((restarted_kb - empty_kb) / count, 3),
        "ok": True,
        "note": "",
    }
    db = getattr(target.handle, "db", None)
    if isinstance(db, str) and os.path.exists(db):
        record["db_file_mb"] = round(os.path.getsize(db) / (1 << 20), 1)
    log(f"  {target.name} stored objects: {record}")
    return record


@contextmanager
def _cluster(problems: dict[str, str]) -> Iterator[Any]:
    """The rig's throwaway PostgreSQL for Parse Server, or None (and why, in ``problems``)."""
    from support.postgres import PostgresCluster, missing_binaries

    reason = missing_binaries()
    if reason:
        problems[PARSE] = reason
        yield None
        return
    try:
        cluster = PostgresCluster()
        cluster.__enter__()
    except Exception as exc:
        problems[PARSE] = f"did not start: {str(exc).splitlines()[0][:300]}"
        yield None
        return
    try:
        yield cluster
    finally:
        cluster.__exit__(None, None, None)


@contextmanager
def _pair(cluster: Any, problems: dict[str, str]) -> Iterator[list[Target]]:
    """A fresh `lq serve` and a fresh Parse Server (its own database), stopped afterwards."""
    from support.lq_server import LqServer
    from support.parse_server import ParseServer

    targets: list[Target] = []
    with ExitStack() as stack:
        try:
            # Every client of the run comes from one address: lift lq serve's
            # per-address limit (Parse Server has none). Pings stay at their default.
            lq = LqServer(extra_args=("--max-connections-per-address", "20000"))
            stack.enter_context(lq)
            targets.append(Target(LQ, lq))
        except Exception as exc:  # a server that cannot start is reported, not fatal
            problems[LQ] = f"did not start: {str(exc).splitlines()[0][:300]}"
        if cluster is not None:
            try:
                server = ParseServer(cluster.create_database())
                stack.enter_context(server)
                server.start()
                targets.append(Target(PARSE, server))
            except Exception as exc:
                problems[PARSE] = f"did not start: {str(exc).splitlines()[0][:300]}"
        yield targets


def run(mode: str, log: Log) -> dict[str, Any]:
    sizes = SIZES[mode]
    problems: dict[str, str] = {}
    results: dict[str, Any] = {"sizes": sizes.__dict__, "targets": {}, "problems": problems}
    with _cluster(problems) as cluster:
        with _pair(cluster, problems) as targets:
            for target in targets:
                target.handle.rest.create(CLASS, _object("warmup", 0), master=True)
                results["targets"].setdefault(target.name, {})["idle"] = idle_clients(
                    target, sizes, log
                )
        with _pair(cluster, problems) as targets:
            for target in targets:
                results["targets"].setdefault(target.name, {})["objects"] = stored_objects(
                    target, sizes.objects, log
                )
    for name, why in problems.items():
        log(f"  {name}: {why}")
    return results
