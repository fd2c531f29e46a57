"""One measured consumer run against a firehose process, with its sink and reader.

A run starts the consumer with stdout going to one of three sinks:
``devnull``; ``pipe`` (a downstream ``bench.reader`` process that checks
every sequence number and times every line); or ``file`` (lines counted
afterwards). The firehose tells us when it sent the first frame; the run ends
at the reader's last line (pipe) or at the consumer's exit (devnull, file).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import procs
from bench.catalog import REPO, Consumer, lq_env


class Firehose:
    """A running ``bench.firehose`` process and the records it reports per connection."""

    def __init__(self, events: int, rate: float = 0.0) -> None:
        self.events = events
        self.rate = rate
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.firehose", "--events", str(events), "--rate", str(rate)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=REPO,
        )
        self.records: dict[int, dict[str, dict[str, Any]]] = {}
        self.changed = threading.Condition()
        ready: queue.Queue[int] = queue.Queue()
        threading.Thread(target=self._read, args=(ready,), daemon=True).start()
        try:
            self.port = ready.get(timeout=60)
        except queue.Empty:
            self.close()
            raise RuntimeError("the firehose did not start") from None
        self.url = f"ws://127.0.0.1:{self.port}/parse"

    def _read(self, ready: queue.Queue[int]) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            record = json.loads(raw)
            if record["event"] == "ready":
                ready.put(record["port"])
                continue
            with self.changed:
                self.records.setdefault(record["conn"], {})[record["event"]] = record
                self.changed.notify_all()

    def conn_ids(self) -> set[int]:
        with self.changed:
            return set(self.records)

    def wait_record(self, known: set[int], event: str, timeout: float) -> dict[str, Any] | None:
        """The `event` record of the first connection not in `known`."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for conn in sorted(set(self.records) - known):
                    if event in self.records[conn]:
                        return self.records[conn][event]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)

    def close(self) -> None:
        procs.stop(self.proc, self.proc.stdin)

    def __enter__(self) -> Firehose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class ReaderOptions:
    warmup: int = 0
    stall_every: int = 0
    stall_seconds: float = 0.0
    stalls: int = 0


@dataclass
class Run:
    """Everything measured in one run; `as_record()` is what goes into the JSON result."""

    consumer: str
    sink: str
    events: int
    rate: float
    ok: bool
    note: str = ""
    wall_s: float = 0.0
    events_per_s: float = 0.0
    received: int | None = None
    loss: int | None = None
    duplicates: int | None = None
    cpu_s: float = 0.0
    maxrss_mb: float = 0.0
    startup_to_subscribed_ms: float | None = None
    exit_after_last_line_ms: float | None = None
    firehose_blocked_s: float = 0.0
    reader: dict[str, Any] = field(default_factory=dict)
    rss_samples_mb: list[tuple[float, float]] = field(default_factory=list)

    def as_record(self) -> dict[str, Any]:
        return dict(self.__dict__)


def run_consumer(
    consumer: Consumer,
    sink: str,
    firehose: Firehose,
    *,
    timeout_s: float,
    reader_options: ReaderOptions | None = None,
    sample_rss_every_s: float = 0.0,
) -> Run:
    n = firehose.events
    run = Run(consumer.key, sink, n, firehose.rate, ok=False)
    reason = consumer.check()
    if reason:
        run.note = f"skipped: {reason}"
        return run
    with tempfile.TemporaryDirectory(prefix="lq-bench-") as tmp:
        known = firehose.conn_ids()
        reader = None
        out_path = Path(tmp) / "out.txt"
        err_path = Path(tmp) / "stderr.txt"
        with open(err_path, "wb") as err, open(out_path, "wb") as out_file:
            if sink == "pipe":
                opts = reader_options or ReaderOptions()
                reader = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.reader",
                        "--expect",
                        str(n),
                        "--warmup",
                        str(opts.warmup),
                        "--stall-every",
                        str(opts.stall_every),
                        "--stall-seconds",
                        str(opts.stall_seconds),
                        "--stalls",
                        str(opts.stalls),
                    ],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    cwd=REPO,
                )
                stdout: Any = reader.stdin
            elif sink == "file":
                stdout = out_file
            else:
                stdout = subprocess.DEVNULL
            proc, start_ns = procs.spawn(
                consumer.argv(firehose.url, n),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=err,
                cwd=REPO,
                env=lq_env(tmp),
            )
            if reader is not None and reader.stdin is not None:
                reader.stdin.close()  # the consumer holds the only write end now
                reader.stdin = None
            measured = procs.wait_measured(
                proc, start_ns, timeout_s, sample_every_s=sample_rss_every_s
            )
        summary: dict[str, Any] = {}
        if reader is not None:
            assert reader.stdout is not None
            try:
                raw, _ = reader.communicate(timeout=60)
                summary = json.loads(raw) if raw.strip() else {}
            except subprocess.TimeoutExpired:
                reader.kill()
                reader.wait()
        subscribed = firehose.wait_record(known, "subscribed", 1.0)
        done = firehose.wait_record(known, "done", 5.0)
        stderr_tail = err_path.read_bytes()[-600:].decode(errors="replace").strip()
        file_lines = out_path.read_bytes().count(b"\n") if sink == "file" else None
    return _score(run, measured, summary, subscribed, done, stderr_tail, file_lines, consumer)


def _score(
    run: Run,
    measured: procs.Measured,
    summary: dict[str, Any],
    subscribed: dict[str, Any] | None,
    done: dict[str, Any] | None,
    stderr_tail: str,
    file_lines: int | None,
    consumer: Consumer,
) -> Run:
    n = run.events
    run.cpu_s = round(measured.cpu_s, 4)
    run.maxrss_mb = round(measured.maxrss_kb / 1024, 1)
    run.rss_samples_mb = [(round(t, 3), round(kb / 1024, 1)) for t, kb in measured.rss_samples_kb]
    run.reader = summary
    if subscribed is not None:
        run.startup_to_subscribed_ms = round((subscribed["t_ns"] - measured.start_ns) / 1e6, 1)
    sent = done["sent"] if done else 0
    first_ns = done["first_ns"] if done else 0
    if done:
        run.firehose_blocked_s = round(done["blocked_ns"] / 1e9, 3)
    end_ns = measured.end_ns
    if run.sink == "pipe" and summary:
        end_ns = summary["last_ns"] or end_ns
        if summary["last_ns"]:
            run.exit_after_last_line_ms = round((measured.end_ns - summary["last_ns"]) / 1e6, 1)
        if consumer.prints_seq:
            run.received = summary["unique"]
            run.duplicates = summary["duplicates"]
        else:
            run.received = summary["lines"]
    elif run.sink == "file":
        run.received = file_lines
    elif measured.returncode == 0 and not measured.timed_out:
        run.received = n  # it counted n events itself and exited on its own
    if run.received is not None:
        run.loss = n - run.received
    if first_ns and end_ns > first_ns:
        run.wall_s = round((end_ns - first_ns) / 1e9, 4)
        run.events_per_s = round(n / run.wall_s) if run.loss == 0 else 0.0
    problems = []
    if measured.timed_out:
        problems.append("timed out (killed)")
    elif measured.returncode != 0:
        problems.append(f"exit {measured.returncode}")
    if sent != n:
        problems.append(f"firehose sent {sent} of {n}")
    if run.loss:
        problems.append(f"lost {run.loss}")
    if run.duplicates:
        problems.append(f"{run.duplicates} duplicates")
    if problems and stderr_tail:
        problems.append("stderr: " + stderr_tail.splitlines()[-1][:200])
    run.ok = not problems
    run.note = "; ".join(problems)
    return run
