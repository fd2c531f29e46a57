"""Server benchmarks in the shapes real apps have: one query per connection, a thousand readers.

``server_suite`` files 10,000 subscriptions as 100 connections x 100 each;
an app has one live query per user, each on its own socket. Measured here,
`lq serve` next to Parse Server 9 (same rig, same writes):

- shapes: S connections with one subscription each, every query different:
  ``{slot: i}`` (equality), ``{name: {$regex: "^p00042-"}}`` (prefix) and
  ``{score: {$gt: 10 i, $lt: 10 i + 10}}`` (disjoint ranges); W writes,
  each matching exactly one of them. Server CPU per write is taken over the
  write window only: from just before the first write to the moment the
  load generator holds every expected event (it keeps its sockets open until
  told, so tearing down S connections is never counted). The idle CPU rate
  of the same S connections, measured just before, is reported next to it,
  with the per-write figure net of it.
- fan-out: C clients on one query, spread over P load-generator processes,
  W writes, rounds interleaved between the servers: events delivered per
  second, server CPU per event, and the load generators' CPU (as a share of
  one core over the same window) so a harness that caps the figure shows.
"""

from __future__ import annotations

import contextlib
import json
import resource
import select
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from bench import procs
from bench.catalog import REPO
from bench.loadclients import CLASS, slot_name, slot_score
from bench.server_report import LQ, PARSE
from bench.server_suite import Log, Target, _servers

SHAPES = ("distinct", "regex", "range")
SHAPE_WHERE = {
    "distinct": "{slot: i}",
    "regex": '{name: {$regex: "^p0000i-"}}',
    "range": "{score: {$gt: 10i, $lt: 10i+10}}",
}
WRITERS = 4
DONE_TIMEOUT_S = 60.0  # after the last write: events not in by then are lost


@dataclass(frozen=True)
class ShapeSizes:
    subscriptions: int
    writes: int
    fanout_clients: int
    fanout_writes: int
    fanout_procs: int
    fanout_rounds: int
    idle_window_s: float


SIZES = {
    "full": ShapeSizes(10_000, 300, 1000, 100, 2, 5, 2.0),
    "quick": ShapeSizes(2000, 100, 500, 40, 2, 3, 1.0),
    "smoke": ShapeSizes(20, 5, 6, 3, 2, 1, 0.1),
}


class LoadProcess:
    """One ``bench.loadclients`` process that keeps its sockets until ``close``."""

    def __init__(
        self,
        target: Target,
        *,
        connections: int,
        mode: str,
        tag: str,
        expect: int,
        first_slot: int = 0,
        latency_every: int = 1,
    ) -> None:
        env = {"BENCH_MASTER_KEY": target.handle.master_key, "PATH": "/usr/bin:/bin"}
        argv = [
            sys.executable, "-m", "bench.loadclients",
            "--url", target.handle.ws_url, "--app-id", target.handle.app_id,
            "--connections", str(connections), "--subs-per-conn", "1",
            "--mode", mode, "--tag", tag, "--expect", str(expect),
            "--first-slot", str(first_slot), "--latency-every", str(latency_every),
            "--hold", "--ready-timeout", "300",
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=REPO, env=env
        )
        self.ready: dict[str, Any] = {}

    def line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = self.proc.stdout.readline()
        return json.loads(raw) if raw else {"event": "exited"}

    def done(self, timeout_s: float) -> dict[str, Any]:
        """The ``done`` record; after ``timeout_s`` (events lost) stdin is closed to get it."""
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        if not ready and self.proc.stdin is not None:
            self.proc.stdin.close()
        return self.line()

    def cpu_s(self) -> float:
        try:
            return procs.proc_cpu_s(self.proc.pid)
        except OSError:
            return 0.0

    def close(self) -> None:
        procs.stop(self.proc, self.proc.stdin)


def _own_cpu_s() -> float:
    """CPU of this process (the REST writers' threads), user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _write(target: Target, tag: str, slot: int) -> None:
    target.handle.rest.create(
        CLASS,
        {
            "run": tag,
            "slot": slot,
            "name": slot_name(slot),
            "score": slot_score(slot),
            "benchSentNs": time.monotonic_ns(),
            "playerName": "bench",
            "tags": ["a", "b"],
            "level": {"name": "forest", "boss": False},
        },
        master=True,
    )


def _write_all(target: Target, tag: str, slots: list[int]) -> None:
    with ThreadPoolExecutor(WRITERS) as pool:
        list(pool.map(lambda slot: _write(target, tag, slot), slots))


def shape(target: Target, mode: str, sizes: ShapeSizes, log: Log) -> dict[str, Any]:
    """CPU per write with ``subscriptions`` connections holding one distinct query each."""
    subscriptions, writes, idle_s = sizes.subscriptions, sizes.writes, sizes.idle_window_s
    tag = uuid.uuid4().hex[:12]
    base: dict[str, Any] = {
        "shape": mode,
        "where": SHAPE_WHERE[mode],
        "subscriptions": subscriptions,
    }
    load = LoadProcess(target, connections=subscriptions, mode=mode, tag=tag, expect=writes)
    try:
        ready = load.line()
        if ready.get("event") != "ready":
            return {**base, "ok": False, "loss": writes, "note": f"failed: {ready}"}
        idle0 = procs.threads_cpu_s(target.pid)
        time.sleep(idle_s)  # the idle window itself: nothing to wait for
        idle_rate = (procs.threads_cpu_s(target.pid) - idle0) / idle_s
        slots = [(i * 7919) % subscriptions for i in range(writes)]
        cpu0 = procs.threads_cpu_s(target.pid)
        start = time.monotonic()
        _write_all(target, tag, slots)
        write_s = time.monotonic() - start
        done = load.done(DONE_TIMEOUT_S)
        window_s = time.monotonic() - start
        cpu = procs.threads_cpu_s(target.pid) - cpu0
    finally:
        load.close()
    received = done.get("events", 0)
    record = {
        **base,
        "writes": writes,
        "expected": writes,
        "received": received,
        "loss": writes - received,
        "setup_s": ready.get("setup_s"),
        "idle_cpu_ms_per_s": round(idle_rate * 1000, 2),
        "window_s": round(window_s, 3),
        "writes_per_s": round(writes / write_s, 1),
        "cpu_ms_per_write": round(cpu / writes * 1000, 3),
        "cpu_ms_per_write_net_of_idle": round(
            max(0.0, cpu - idle_rate * window_s) / writes * 1000, 3
        ),
        "ok": received == writes,
        "note": "" if received == writes else f"received {received} of {writes}",
    }
    log(f"  {target.name} one query per connection, {subscriptions} {mode}: {record}")
    return record


def no_subscription(target: Target, writes: int, log: Log) -> dict[str, Any]:
    """The same writes with nobody subscribed: the REST + storage floor of a write."""
    tag = uuid.uuid4().hex[:12]
    cpu0 = procs.threads_cpu_s(target.pid)
    start = time.monotonic()
    _write_all(target, tag, list(range(writes)))
    window_s = time.monotonic() - start
    cpu = procs.threads_cpu_s(target.pid) - cpu0
    record = {
        "shape": "none",
        "where": "-",
        "subscriptions": 0,
        "writes": writes,
        "loss": 0,
        "window_s": round(window_s, 3),
        "cpu_ms_per_write": round(cpu / writes * 1000, 3),
        "ok": True,
        "note": "",
    }
    log(f"  {target.name} no subscription: {record}")
    return record


def fanout(target: Target, clients: int, writes: int, processes: int, log: Log) -> dict[str, Any]:
    """Events/s to ``clients`` on one query, received by ``processes`` load generators."""
    tag = uuid.uuid4().hex[:12]
    shares = [
        clients // processes + (1 if i < clients % processes else 0) for i in range(processes)
    ]
    base: dict[str, Any] = {"clients": clients, "writes": writes, "load_processes": processes}
    loads = [
        LoadProcess(
            target, connections=n, mode="same", tag=tag, expect=n * writes, latency_every=64
        )
        for n in shares
        if n
    ]
    try:
        for load in loads:
            load.ready = load.line()
        failed = [load.ready for load in loads if load.ready.get("event") != "ready"]
        if failed:
            return {**base, "ok": False, "loss": clients * writes, "note": f"failed: {failed[0]}"}
        server0 = procs.threads_cpu_s(target.pid)
        load0 = [load.cpu_s() for load in loads]
        writer0 = _own_cpu_s()
        start_ns = time.monotonic_ns()
        _write_all(target, tag, list(range(writes)))
        writes_done_ns = time.monotonic_ns()
        writer_cpu = _own_cpu_s() - writer0
        dones = [load.done(DONE_TIMEOUT_S) for load in loads]
        server_cpu = procs.threads_cpu_s(target.pid) - server0
        load_cpu = sum(load.cpu_s() - c0 for load, c0 in zip(loads, load0, strict=True))
    finally:
        for load in loads:
            load.close()
    expected = clients * writes
    received = sum(done.get("events", 0) for done in dones)
    last_ns = max((done.get("last_ns", 0) for done in dones), default=0)
    elapsed = (last_ns - start_ns) / 1e9
    ok = received == expected and elapsed > 0
    record = {
        **base,
        "expected": expected,
        "received": received,
        "loss": expected - received,
        "events_per_s": round(received / elapsed) if ok else 0,
        "seconds": round(elapsed, 3),
        "write_phase_s": round((writes_done_ns - start_ns) / 1e9, 3),
        "server_cpu_s": round(server_cpu, 3),
        "server_us_per_event": round(server_cpu / received * 1e6, 2) if received else None,
        "writer_cpu_s": round(writer_cpu, 3),
        "load_cpu_s": round(load_cpu, 3),
        "load_core_share": round(load_cpu / elapsed, 2) if elapsed > 0 else None,
        "ok": ok,
        "note": "" if received == expected else f"received {received} of {expected}",
    }
    log(f"  {target.name} fan-out {clients} clients / {processes} load processes: {record}")
    return record


def median_round(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """The round with the median events/s, listing every round's figure (a shared machine)."""
    ranked = sorted(rounds, key=lambda r: r.get("events_per_s", 0))
    chosen = dict(ranked[len(ranked) // 2])
    chosen["rounds_events_per_s"] = [r.get("events_per_s", 0) for r in rounds]
    chosen["ok"] = all(r.get("ok") for r in rounds)
    chosen["loss"] = sum(r.get("loss", 0) for r in rounds)
    return chosen


def run(mode: str, log: Log) -> dict[str, Any]:
    sizes = SIZES[mode]
    results: dict[str, Any] = {"sizes": sizes.__dict__, "targets": {}}
    # One socket per subscription: lift lq serve's per-address limit (Parse Server has none).
    limit = max(sizes.subscriptions, sizes.fanout_clients) + 100
    with _servers(log, max_connections_per_address=limit) as (targets, problems):
        results["problems"] = problems
        rounds: dict[str, list[dict[str, Any]]] = {target.name: [] for target in targets}
        for target in targets:
            _write(target, "warmup", 0)  # schema fields exist before anything is timed
        # Fan-out rounds interleaved (A B, A B, ...): a busy spell of the shared machine
        # then falls on both servers' rounds, not on one server's median.
        for _ in range(sizes.fanout_rounds):
            for target in targets:
                rounds[target.name].append(
                    fanout(
                        target, sizes.fanout_clients, sizes.fanout_writes, sizes.fanout_procs, log
                    )
                )
        for target in targets:
            out: dict[str, Any] = {"fanout": [median_round(rounds[target.name])]}
            out["shapes"] = [no_subscription(target, sizes.writes, log)]
            out["shapes"] += [shape(target, name, sizes, log) for name in SHAPES]
            results["targets"][target.name] = out
            with contextlib.suppress(Exception):
                log(f"  {target.name} RSS at end: {procs.vm_rss_kb(target.pid) // 1024} MB")
    return results


def _ratio(lq: float | None, parse: float | None, *, lower_is_better: bool) -> str:
    if not lq or not parse:
        return "–"
    return f"{(parse / lq if lower_is_better else lq / parse):.1f}x"


def markdown(shapes: dict[str, Any]) -> str:
    """The shapes table: `lq serve` next to Parse Server, the ratio in the same run."""
    from bench.report import _num, _table

    targets = shapes.get("targets", {})
    lq = targets.get(LQ, {})
    parse = targets.get(PARSE, {})
    parts = ["### Server shapes: one query per connection, fan-out with several load processes", ""]
    for name, why in shapes.get("problems", {}).items():
        parts.append(f"- {name}: {why}")
    rows: list[list[Any]] = []
    parse_shapes = {r["shape"]: r for r in parse.get("shapes", [])}
    for row in lq.get("shapes", []) or parse.get("shapes", []):
        mine = next((r for r in lq.get("shapes", []) if r["shape"] == row["shape"]), {})
        theirs = parse_shapes.get(row["shape"], {})
        label = (
            "no subscription"
            if row["shape"] == "none"
            else f"{row['subscriptions']:,} connections x 1 query {row['where']}"
        )
        rows.append(
            [
                f"{label}: server CPU ms per write",
                _num(mine.get("cpu_ms_per_write"), 3),
                _num(theirs.get("cpu_ms_per_write"), 3),
                _ratio(
                    mine.get("cpu_ms_per_write"),
                    theirs.get("cpu_ms_per_write"),
                    lower_is_better=True,
                ),
                f"idle {mine.get('idle_cpu_ms_per_s', '–')} / "
                f"{theirs.get('idle_cpu_ms_per_s', '–')} CPU ms/s; net of idle "
                f"{mine.get('cpu_ms_per_write_net_of_idle', '–')} / "
                f"{theirs.get('cpu_ms_per_write_net_of_idle', '–')}; "
                f"loss {mine.get('loss', '–')} / {theirs.get('loss', '–')}",
            ]
        )
    for mine, theirs in zip(lq.get("fanout", []), parse.get("fanout", []), strict=False):
        rows.append(
            [
                f"fan-out, {mine['clients']} clients x {mine['writes']} writes "
                f"({mine['load_processes']} load processes): events/s",
                _num(mine.get("events_per_s")),
                _num(theirs.get("events_per_s")),
                _ratio(mine.get("events_per_s"), theirs.get("events_per_s"), lower_is_better=False),
                f"server µs/event {mine.get('server_us_per_event', '–')} / "
                f"{theirs.get('server_us_per_event', '–')}; load generators "
                f"{mine.get('load_core_share', '–')} / {theirs.get('load_core_share', '–')} "
                f"of a core; loss {mine.get('loss', '–')} / {theirs.get('loss', '–')}",
            ]
        )
    parts.append(_table(["measure", LQ, PARSE, "lq advantage", "note"], rows))
    return "\n".join(parts)
