"""Running a measured process: exact exit time, CPU and peak RSS of its tree, RSS samples.

The exit time comes from a pidfd (the kernel wakes us the instant the process
ends, no polling granularity); CPU (user + sys) comes from ``wait4``, whose
rusage covers the process and every descendant it reaped (threads included),
so Node's worker threads count. Peak RSS is *not* taken from ``ru_maxrss``:
Linux carries the pre-exec address space's high-water mark into it, which is
the harness's own RSS at spawn time. It is VmHWM from ``/proc/PID/status``,
read every 20 ms while the process runs (VmHWM only grows, so the last read
holds the peak up to then). VmRSS is sampled too, so a slow-consumer run can
show whether memory stays bounded.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

HWM_EVERY_MS = 20


@dataclass
class Measured:
    argv: list[str]
    returncode: int
    start_ns: int
    end_ns: int
    user_s: float
    sys_s: float
    maxrss_kb: int
    timed_out: bool
    rss_samples_kb: list[tuple[float, int]] = field(default_factory=list)

    @property
    def cpu_s(self) -> float:
        return self.user_s + self.sys_s

    @property
    def wall_s(self) -> float:
        return (self.end_ns - self.start_ns) / 1e9


def vm_status_kb(pid: int, field: bytes) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def vm_rss_kb(pid: int) -> int:
    return vm_status_kb(pid, b"VmRSS:")


def proc_cpu_s(pid: int) -> float:
    """utime + stime of a live process (and its reaped children), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        fields = f.read().rsplit(b")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return sum(int(x) for x in fields[11:15]) / ticks


def threads_cpu_s(pid: int) -> float:
    """CPU time of a live process's threads, in nanosecond resolution where Linux gives it.

    ``/proc/PID/stat`` counts in 10 ms ticks: 300 writes of 0.4 ms would be
    read +-8%. ``/proc/PID/task/*/schedstat`` counts nanoseconds per thread
    (Node's worker threads included); a thread that ends inside the window
    takes its time with it, which server threads do not do.
    """
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat", "rb") as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return proc_cpu_s(pid)
    return total / 1e9


def spawn(argv: Sequence[str], **kwargs: Any) -> tuple[subprocess.Popen[bytes], int]:
    start_ns = time.monotonic_ns()
    return subprocess.Popen(list(argv), **kwargs), start_ns


def wait_measured(
    proc: subprocess.Popen[bytes],
    start_ns: int,
    timeout_s: float,
    *,
    sample_every_s: float = 0.0,
) -> Measured:
    """Wait for exit (killing it at the deadline) and collect its rusage."""
    pidfd = os.pidfd_open(proc.pid)
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    deadline = start_ns + int(timeout_s * 1e9)
    samples: list[tuple[float, int]] = []
    hwm_kb = 0
    timed_out = False
    try:
        while True:
            now = time.monotonic_ns()
            if now >= deadline:
                timed_out = True
                proc.send_signal(signal.SIGKILL)
                break
            step_ms = min((deadline - now) / 1e6, HWM_EVERY_MS)
            hwm_kb = max(hwm_kb, vm_status_kb(proc.pid, b"VmHWM:"))
            if sample_every_s:
                step_ms = min(step_ms, sample_every_s * 1000)
                samples.append(((now - start_ns) / 1e9, vm_rss_kb(proc.pid)))
            if poller.poll(max(1, int(step_ms))):
                break
        end_ns = time.monotonic_ns()
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        os.close(pidfd)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(
        argv=[str(a) for a in proc.args] if isinstance(proc.args, list) else [str(proc.args)],
        returncode=proc.returncode,
        start_ns=start_ns,
        end_ns=end_ns,
        user_s=usage.ru_utime,
        sys_s=usage.ru_stime,
        maxrss_kb=hwm_kb or usage.ru_maxrss,
        timed_out=timed_out,
        rss_samples_kb=samples,
    )


def stop(proc: subprocess.Popen[Any], stdin: IO[Any] | None = None, grace_s: float = 5.0) -> None:
    """End a helper we started: close its stdin, then SIGTERM, then SIGKILL."""
    if stdin is not None and not stdin.closed:
        stdin.close()
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
