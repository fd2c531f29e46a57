"""Soak: ``lq tail`` for a long time at a steady event rate, with periodic connection cuts.

Usage (CI never runs it; it takes ``--duration`` per server)::

    .venv/bin/python -m bench.soak                      # both servers, 10 min each, 2k events/s
    .venv/bin/python -m bench.soak --target lq --duration 60 --cut-every 15
    .venv/bin/python -m bench.soak --target parse --json soak.json

For each server (``lq serve``, and Parse Server 9 from the test rig) it starts
``lq tail --json`` through the fault proxy of ``tests/faults/proxy.py``, writes
objects at ``--rate`` per second with REST batches (each with a sequence
number), cuts the proxied connection every ``--cut-every`` seconds, and reads
the tail's stdout. It reports, every ``--report-every`` seconds, events sent
and received and the RSS of the tail and the server; at the end, the events
lost *outside* cut windows (must be 0: a cut window runs from the cut to the
tail's next ``subscribed`` line, widened by ``--grace`` on both sides; an
event's time is when its write was answered), the events lost inside
them (neither server replays missed events), and whether every cut was
followed by a resubscription.

Everything runs on loopback; the run is bounded by ``--duration``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from faults.proxy import FaultProxy  # noqa: E402

CLASS = "Bench"
BATCH = 50
TICK_S = 0.05


@dataclass
class Run:
    """What one soak run against one server saw."""

    target: str
    sent_at: dict[int, float] = field(default_factory=dict)
    received: set[int] = field(default_factory=set)
    duplicates: int = 0
    cuts: list[float] = field(default_factory=list)
    resubscribed: list[float] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    write_errors: int = 0

    def windows(self, grace: float) -> list[tuple[float, float]]:
        spans = []
        for cut in self.cuts:
            after = [t for t in self.resubscribed if t >= cut]
            spans.append((cut - grace, (after[0] if after else float("inf")) + grace))
        return spans

    def summary(self, grace: float) -> dict[str, Any]:
        windows = self.windows(grace)
        missing = sorted(set(self.sent_at) - self.received)
        inside = [s for s in missing if any(a <= self.sent_at[s] <= b for a, b in windows)]
        stamps = sorted(self.sent_at.values())
        span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
        return {
            "target": self.target,
            "write_seconds": round(span, 1),
            "achieved_rate": round(len(stamps) / span) if span else 0,
            "sent": len(self.sent_at),
            "received": len(self.received),
            "duplicates": self.duplicates,
            "lost_in_cut_windows": len(inside),
            "lost_outside_cut_windows": len(missing) - len(inside),
            "cuts": len(self.cuts),
            "cuts_resubscribed": sum(1 for _, end in windows if end != float("inf")),
            "write_errors": self.write_errors,
            "rss_kb": [(s["t"], s["tail_rss_kb"], s["server_rss_kb"]) for s in self.samples],
        }


def rss_kb(pid: int | None) -> int | None:
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


async def write_steadily(
    server: Any, run: Run, tag: str, rate: int, until: float, *, batch: bool
) -> None:
    """Write ``rate`` objects per second, paced by a clock.

    ``batch``: POST ``/batch`` requests of up to 50 objects (``lq serve``);
    else one POST per object, up to ``BATCH`` in flight (Parse Server on the
    test rig answers ``/batch`` with an internal error).
    """
    import aiohttp

    headers = {"X-Parse-Application-Id": server.app_id, "X-Parse-Master-Key": server.master_key,
               "Content-Type": "application/json"}  # fmt: skip
    path = "/" + server.rest_url.split("/", 3)[3] + f"/classes/{CLASS}"
    seq = 0
    began = time.monotonic()

    async def post(http: aiohttp.ClientSession, url: str, body: Any, seqs: list[int]) -> None:
        try:
            async with http.post(url, json=body) as response:
                if response.status not in (200, 201):
                    run.write_errors += len(seqs)
        except aiohttp.ClientError:
            run.write_errors += len(seqs)
        # Saved (and published) by the time the answer came: that is the event's time.
        done = time.monotonic()
        for number in seqs:
            run.sent_at[number] = done

    async with aiohttp.ClientSession(headers=headers) as http:
        while time.monotonic() < until:
            due = int((time.monotonic() - began) * rate)
            while seq < due:
                size = min(BATCH, due - seq)
                bodies = [{"tag": tag, "seq": seq + n} for n in range(size)]
                seqs = list(range(seq, seq + size))
                seq += size
                if batch:
                    requests = [{"method": "POST", "path": path, "body": b} for b in bodies]
                    await post(http, f"{server.rest_url}/batch", {"requests": requests}, seqs)
                else:
                    url = f"{server.rest_url}/classes/{CLASS}"
                    await asyncio.gather(
                        *(post(http, url, body, [n]) for body, n in zip(bodies, seqs, strict=True))
                    )
            await asyncio.sleep(TICK_S)


async def read_tail(process: asyncio.subprocess.Process, run: Run) -> None:
    assert process.stdout is not None
    async for line in process.stdout:
        try:
            seq = json.loads(line)["object"]["seq"]
        except (ValueError, KeyError, TypeError):
            continue
        if seq in run.received:
            run.duplicates += 1
        run.received.add(seq)


async def read_status(process: asyncio.subprocess.Process, run: Run, verbose: bool) -> None:
    assert process.stderr is not None
    async for raw in process.stderr:
        line = raw.decode(errors="replace").rstrip()
        if "subscribed to" in line:
            run.resubscribed.append(time.monotonic())
        if verbose:
            print(f"  [{run.target}] {line}", file=sys.stderr)


async def soak(server: Any, target: str, args: argparse.Namespace) -> dict[str, Any]:
    run = Run(target)
    tag = f"soak-{secrets.token_hex(6)}"
    async with FaultProxy(server.port) as proxy:
        url = proxy.url(path="/" + server.ws_url.split("/", 3)[3])
        env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
        env["LQ_MASTER_KEY"] = server.master_key
        tail = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "livequery_cli", "tail", CLASS, "--json",
            "--where-json", json.dumps({"tag": tag}), "--app-id", server.app_id,
            "--server-url", server.rest_url, "--live-query-url", url,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
            limit=1 << 20,
        )  # fmt: skip
        readers = [asyncio.create_task(read_tail(tail, run)),
                   asyncio.create_task(read_status(tail, run, args.verbose))]  # fmt: skip
        try:
            while not run.resubscribed:
                if tail.returncode is not None:
                    raise SystemExit(f"lq tail exited with {tail.returncode}")
                await asyncio.sleep(0.1)
            began = time.monotonic()
            until = began + args.duration
            writer = asyncio.create_task(
                write_steadily(server, run, tag, args.rate, until, batch=target == "lq")
            )
            next_cut, next_report = began + args.cut_every, began + args.report_every
            while time.monotonic() < until:
                await asyncio.sleep(0.1)
                now = time.monotonic()
                if args.cut_every and now >= next_cut:
                    run.cuts.append(now)
                    proxy.cut()
                    next_cut += args.cut_every
                if now >= next_report:
                    next_report += args.report_every
                    sample = {"t": round(now - began, 1), "sent": len(run.sent_at),
                              "received": len(run.received), "tail_rss_kb": rss_kb(tail.pid),
                              "server_rss_kb": rss_kb(server.pid)}  # fmt: skip
                    run.samples.append(sample)
                    print(f"[{target}] t={sample['t']:>6}s sent={sample['sent']} "
                          f"received={sample['received']} tail_rss={sample['tail_rss_kb']} kB "
                          f"server_rss={sample['server_rss_kb']} kB", flush=True)  # fmt: skip
            await writer
            # Let the last events drain (bounded).
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if len(run.received) >= len(run.sent_at):
                    break
                await asyncio.sleep(0.2)
        finally:
            if tail.returncode is None:
                tail.terminate()
                await tail.wait()
            for reader in readers:
                reader.cancel()
    return run.summary(args.grace)


def start_server(target: str, stack: list[Any]) -> Any:
    if target == "lq":
        from rig.lq_server import LqServer

        server = LqServer().start()
        stack.append(server)
        return server
    from rig.parse_server import ParseServer
    from rig.postgres import PostgresCluster

    cluster = PostgresCluster().start()
    stack.append(cluster)
    server = ParseServer(cluster.create_database()).start()
    stack.append(server)
    return server


def stop_all(stack: list[Any]) -> None:
    for item in reversed(stack):
        if hasattr(item, "close"):
            item.close()
        else:
            item.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--target", choices=["lq", "parse", "both"], default="both")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds per server")
    parser.add_argument("--rate", type=int, default=2000, help="events per second")
    parser.add_argument("--cut-every", type=float, default=60.0, help="seconds (0: never)")
    parser.add_argument("--report-every", type=float, default=10.0)
    parser.add_argument("--grace", type=float, default=1.0, help="seconds after resubscribe")
    parser.add_argument("--json", type=Path, help="write the summaries here")
    parser.add_argument("--verbose", action="store_true", help="echo lq tail's status lines")
    args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the servers started here are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    targets = ["lq", "parse"] if args.target == "both" else [args.target]
    summaries = []
    for target in targets:
        stack: list[Any] = []
        try:
            server = start_server(target, stack)
            summaries.append(asyncio.run(soak(server, target, args)))
        finally:
            stop_all(stack)
    failed = False
    for summary in summaries:
        printable = {k: v for k, v in summary.items() if k != "rss_kb"}
        print(json.dumps(printable))
        failed |= (
            summary["lost_outside_cut_windows"] > 0
            or summary["cuts_resubscribed"] < summary["cuts"]
        )
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
