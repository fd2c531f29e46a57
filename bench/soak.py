"""Soak: ``lq tail`` for a long time at a steady write rate, with periodic connection cuts.

Usage (it takes ``--duration`` per server; CI runs only a few-second version,
``tests/bench/test_soak_smoke.py``)::

    .venv/bin/python -m bench.soak                      # both servers, 10 min each, 2k writes/s
    .venv/bin/python -m bench.soak --target lq --duration 60 --cut-every 15
    .venv/bin/python -m bench.soak --target parse --json soak.json

For each server (``lq serve``, and Parse Server 9 from the test rig) it starts
``lq tail --json --status-events`` through the fault proxy of
``tests/support/fault_proxy.py``, writes at ``--rate`` per second over REST (a mix of
creates, updates and deletes that keeps the result set near ``--live-set``
objects, see ``bench/soak_writer.py``), cuts the proxied connection every
``--cut-every`` seconds, and reads the tail's stdout. Every
``--report-every`` seconds it prints writes sent, events received and the RSS
of the tail and the server.

At the end it waits (at most ``--drain`` seconds) for the events still due,
then accounts for every write (``bench/soak_ledger.py``): received live,
missed inside a cut window (from ``--grace`` before the cut to ``--grace``
after the tail's next ``resynced`` record) and recovered by the resync's
synthetic events, or unrecovered. It prints one JSON summary per server,
always: every phase is bounded (request timeouts, a bounded drain, a bounded
stop of the tail), and SIGINT/SIGTERM end the run early with a summary
marked ``interrupted``. The exit status is 1 when a write was lost (nothing
accounts for it), a resync reported a ``leave`` that did not happen, a cut was
not resynced, a write went unanswered, or a run failed or was interrupted.
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
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from support.fault_proxy import FaultProxy  # noqa: E402

from bench.soak_ledger import Ledger, Resync  # noqa: E402
from bench.soak_writer import CLASS, RestWriter, WriteMix  # noqa: E402

READY_TIMEOUT_S = 60.0
TAIL_STOP_S = 5.0
INTERRUPTED_DRAIN_S = 3.0
QUIET_END_S = 5.0
"""No cut this close to the end, so the last resync is in before the drain."""


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


class TailReader:
    """Feeds ``lq tail``'s stdout into the ledger; notes when its first load is in."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.ready = asyncio.Event()
        self.bad_lines = 0

    async def read(self, stdout: asyncio.StreamReader) -> None:
        ledger = self.ledger
        async for line in stdout:
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                self.bad_lines += 1
                continue
            kind = record.get("kind") if isinstance(record, dict) else None
            if kind == "event":
                ledger.event(record)
            elif kind == "status":
                state = record.get("state")
                if state == "synced":
                    self.ready.set()
                elif state == "resynced":
                    counts = {op: record.get(op, 0) for op in ("enter", "update", "leave")}
                    ledger.resyncs.append(Resync(time.monotonic(), counts))
                elif state == "disconnected":
                    ledger.disconnects += 1
            else:
                self.bad_lines += 1


async def echo_status(stderr: asyncio.StreamReader, target: str, verbose: bool) -> None:
    async for raw in stderr:
        if verbose:
            print(f"  [{target}] {raw.decode(errors='replace').rstrip()}", file=sys.stderr)


async def stop_process(process: asyncio.subprocess.Process) -> int | None:
    """SIGTERM, then SIGKILL after ``TAIL_STOP_S``: never waits forever."""
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), TAIL_STOP_S)
        except TimeoutError:
            process.kill()
            await process.wait()
    return process.returncode


async def start_tail(server: Any, proxy: FaultProxy, tag: str) -> asyncio.subprocess.Process:
    """``lq tail`` in its own session: a Ctrl-C at the terminal reaches the soak only,
    which then drains and stops the tail itself. ``--max-retries`` makes a tail
    orphaned by a killed soak (its proxy gone) give up instead of retrying forever."""
    url = proxy.url(path="/" + server.ws_url.split("/", 3)[3])
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    env["LQ_MASTER_KEY"] = server.master_key
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "livequery_cli", "tail", CLASS, "--json", "--status-events",
        "--where-json", json.dumps({"tag": tag}), "--app-id", server.app_id,
        "--server-url", server.rest_url, "--live-query-url", url, "--max-retries", "10",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        limit=1 << 20, start_new_session=True,
    )  # fmt: skip


class SoakRun:
    """One server's run: tail, writer, cuts, samples, drain, then the summary."""

    def __init__(self, server: Any, target: str, args: argparse.Namespace) -> None:
        self.server = server
        self.target = target
        self.args = args
        self.ledger = Ledger()
        self.mix = WriteMix(self.ledger, f"soak-{secrets.token_hex(6)}", args.live_set)
        self.writer = RestWriter(server, self.ledger, self.mix, batch=target == "lq",
                                 timeout=args.write_timeout,
                                 in_flight=4 if target == "lq" else 50)  # fmt: skip
        self.reader = TailReader(self.ledger)
        self.samples: list[dict[str, Any]] = []
        self.summary: dict[str, Any] = {"target": target, "error": None, "interrupted": False}
        self.stop = asyncio.Event()
        self.tasks: list[asyncio.Task[Any]] = []
        self.drain_s = 0.0

    async def run(self) -> dict[str, Any]:
        """Every phase is bounded; a failing one ends the run with what was counted."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stop.set)
        try:
            async with FaultProxy(self.server.port) as proxy:
                tail = await start_tail(self.server, proxy, self.mix.tag)
                try:
                    await self._phases(proxy, tail)
                finally:
                    # While the proxy is still up: the tail must not see one more cut.
                    self.summary["tail_exit_status"] = await stop_process(tail)
        except Exception as exc:
            self.summary["error"] = f"{type(exc).__name__}: {exc}"
        finally:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
        return self._summary()

    async def _phases(self, proxy: FaultProxy, tail: asyncio.subprocess.Process) -> None:
        args = self.args
        assert tail.stdout is not None
        assert tail.stderr is not None
        self.tasks.append(asyncio.create_task(self.reader.read(tail.stdout)))
        self.tasks.append(asyncio.create_task(echo_status(tail.stderr, self.target, args.verbose)))
        ready = asyncio.create_task(self.reader.ready.wait())
        self.tasks.append(ready)
        await asyncio.wait(
            [ready, self.tasks[0]], timeout=READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
        )
        if not self.reader.ready.is_set():
            raise RuntimeError(f"lq tail was not synced within {READY_TIMEOUT_S:.0f} s")
        began = time.monotonic()
        until = began + args.duration
        writing = asyncio.create_task(self.writer.run(args.rate, until))
        self.tasks.append(writing)
        next_cut, next_report = began + args.cut_every, began + args.report_every
        while time.monotonic() < until and not self.stop.is_set() and not writing.done():
            await asyncio.sleep(0.1)
            if tail.returncode is not None:
                raise RuntimeError(f"lq tail exited with status {tail.returncode} mid-run")
            now = time.monotonic()
            if args.cut_every and now >= next_cut:
                if now < until - min(QUIET_END_S, args.duration / 4):
                    self.ledger.cuts.append(now)
                    proxy.cut()
                next_cut += args.cut_every
            if now >= next_report:
                next_report += args.report_every
                self.samples.append(
                    sample(now - began, self.ledger, self.mix, tail.pid, self.server.pid)
                )
                print_sample(self.target, self.samples[-1])
        self.summary["interrupted"] = self.stop.is_set()
        self.writer.stop()
        # Bounded: every request has a timeout, and run() fences them again.
        await asyncio.wait_for(writing, args.write_timeout + 15)
        self.drain_s = await drain(self.ledger, args, self.stop.is_set())

    def _summary(self) -> dict[str, Any]:
        summary = self.summary
        summary.update(rates(self.writer, self.ledger, self.args))
        summary["drain_s"] = round(self.drain_s, 1)
        summary["live_set_target"] = self.args.live_set
        summary["live_set_end"] = self.mix.live
        summary.update(self.ledger.reckon(self.args.grace))
        summary["bad_lines"] = self.reader.bad_lines
        summary["rss_kb"] = [(s["t"], s["tail_rss_kb"], s["server_rss_kb"]) for s in self.samples]
        summary["ok"] = passed(summary)
        return summary


async def drain(ledger: Ledger, args: argparse.Namespace, interrupted: bool) -> float:
    """Wait until every write is accounted for, at most ``--drain`` seconds.

    An interrupted run still waits a little (``INTERRUPTED_DRAIN_S``): the
    events of the last writes are on their way, and without them the summary
    would report them as lost.
    """
    began = time.monotonic()
    deadline = began + (min(args.drain, INTERRUPTED_DRAIN_S) if interrupted else args.drain)
    while time.monotonic() < deadline:
        if ledger.unaccounted(args.grace) == 0:
            break
        await asyncio.sleep(1.0)
    return time.monotonic() - began


def sample(
    t: float, ledger: Ledger, mix: WriteMix, tail: int | None, server: int | None
) -> dict[str, Any]:
    return {"t": round(t, 1), "sent": ledger.sent, "received_live": ledger.received_live,
            "received_synthetic": ledger.received_synthetic, "live_set": mix.live,
            "tail_rss_kb": rss_kb(tail), "server_rss_kb": rss_kb(server)}  # fmt: skip


def print_sample(target: str, s: dict[str, Any]) -> None:
    line = (
        f"[{target}] t={s['t']:>6}s sent={s['sent']} live={s['received_live']} "
        f"synthetic={s['received_synthetic']} live_set={s['live_set']} "
        f"tail_rss={s['tail_rss_kb']} kB server_rss={s['server_rss_kb']} kB"
    )
    print(line, flush=True)


def rates(writer: RestWriter, ledger: Ledger, args: argparse.Namespace) -> dict[str, Any]:
    span = writer.ended - writer.began if writer.ended else 0.0
    return {
        "duration_s": args.duration,
        "rate_target": args.rate,
        "write_seconds": round(span, 1),
        "achieved_rate": round(ledger.sent / span) if span > 0 else 0,
        "schedule_slipped_s": round(writer.slipped_s, 1),
    }


def passed(summary: dict[str, Any]) -> bool:
    return bool(
        summary["error"] is None
        and not summary["interrupted"]
        and summary["sent"] > 0
        and summary["unrecovered"] == 0
        and summary["synthetic_leaves_without_delete"] == 0
        and summary["writes_unanswered"] == 0
        and summary["cuts_resynced"] == summary["cuts"]
    )


def start_server(target: str, stack: list[Any]) -> Any:
    if target == "lq":
        from support.lq_server import LqServer

        server = LqServer().start()
        stack.append(server)
        return server
    from support.parse_server import ParseServer
    from support.postgres import PostgresCluster

    cluster = PostgresCluster().start()
    stack.append(cluster)
    parse = ParseServer(cluster.create_database()).start()
    stack.append(parse)
    return parse


def stop_all(stack: list[Any]) -> None:
    for item in reversed(stack):
        try:
            if hasattr(item, "close"):
                item.close()
            else:
                item.stop()
        except Exception as exc:  # keep stopping the rest
            print(f"soak: stopping {type(item).__name__} failed: {exc}", file=sys.stderr)


def run_target(target: str, args: argparse.Namespace) -> dict[str, Any]:
    stack: list[Any] = []
    # SIGTERM unwinds like Ctrl-C (asyncio.run resets it after each server).
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server = start_server(target, stack)
        return asyncio.run(SoakRun(server, target, args).run())
    except Exception as exc:
        return {"target": target, "error": f"{type(exc).__name__}: {exc}", "ok": False}
    finally:
        stop_all(stack)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    doc = __doc__ or ""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=doc.split("\n")[0])
    parser.add_argument("--target", choices=["lq", "parse", "both"], default="both")
    parser.add_argument("--duration", type=float, default=600.0, help="seconds per server")
    parser.add_argument("--rate", type=int, default=2000, help="writes (events) per second")
    parser.add_argument("--live-set", type=int, default=5000, help="objects kept in the set")
    parser.add_argument("--cut-every", type=float, default=60.0, help="seconds (0: never)")
    parser.add_argument("--report-every", type=float, default=10.0)
    parser.add_argument("--grace", type=float, default=1.0, help="seconds around a cut window")
    parser.add_argument("--drain", type=float, default=30.0, help="max seconds to wait at the end")
    parser.add_argument("--write-timeout", type=float, default=10.0, help="per REST request")
    parser.add_argument("--json", type=Path, help="write the summaries here")
    parser.add_argument("--verbose", action="store_true", help="echo lq tail's status lines")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.rate <= 0 or args.live_set <= 0 or args.write_timeout <= 0:
        parser.error("--duration, --rate, --live-set and --write-timeout must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    targets = ["lq", "parse"] if args.target == "both" else [args.target]
    summaries: list[dict[str, Any]] = []
    try:
        for target in targets:
            summaries.append(run_target(target, args))
            if args.json:  # after each server, so a later failure keeps this one
                args.json.write_text(json.dumps(summaries, indent=2))
            if summaries[-1].get("interrupted"):
                break
    except KeyboardInterrupt:  # while a server was starting or stopping
        summaries.append({"target": target, "error": "interrupted", "ok": False})
    for summary in summaries:
        printable = {k: v for k, v in summary.items() if k != "rss_kb"}
        print(json.dumps(printable), flush=True)
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=2))
    return 0 if summaries and all(s.get("ok") for s in summaries) else 1


if __name__ == "__main__":
    raise SystemExit(main())
