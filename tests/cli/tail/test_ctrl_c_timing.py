"""Ctrl-C says goodbye unless stdout is blocked, whenever it comes.

A Ctrl-C right after a line appeared used to land while the write of that
line was still marked as in progress, and the handler meant for a stdout
nobody reads exited at once: no ``unsubscribed`` line, no close frame. A
write counts as blocked only once it has lasted; a blocked one still lets
Ctrl-C out.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Any

from support.lq_process import LqProcess
from support.waiting import until

ROUNDS = 10
WAIT_S = 30.0


def _blocked_writing(pid: int) -> bool:
    """Whether the process's main thread waits in a write to a full pipe (Linux)."""
    try:
        return "pipe_write" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False


def _env(server: Any) -> dict[str, str]:
    return {
        "LQ_SERVER_URL": server.rest_url,
        "LQ_APP_ID": server.app_id,
        "LQ_JS_KEY": server.js_key,
    }


def test_ctrl_c_right_after_a_line_unsubscribes(lq_server: Any, unique_tag: str) -> None:
    for _ in range(ROUNDS):
        process = LqProcess(["tail", "Game", "--where", f"tag = {unique_tag}"], env=_env(lq_server))
        try:
            process.wait_stderr("subscribed")
            lq_server.rest.create("Game", {"tag": unique_tag}, master=True)
            process.read_stdout(1)
            process.signal(signal.SIGINT)  # as soon as the line is there
            assert process.wait() == 130
            assert "lq: unsubscribed from Game" in process.rest_of_stderr()
        finally:
            process.close()


def test_ctrl_c_with_a_stdout_nobody_reads_still_exits(lq_server: Any, unique_tag: str) -> None:
    read_end, write_end = os.pipe()
    process = LqProcess(
        ["tail", "Game", "--where", f"tag = {unique_tag}"], env=_env(lq_server), stdout=write_end
    )
    os.close(write_end)
    try:
        process.wait_stderr("subscribed")
        blob = "x" * 8192
        for _ in range(30):  # far more than a pipe holds: the write blocks
            lq_server.rest.create("Game", {"tag": unique_tag, "blob": blob}, master=True)
        until(
            lambda: _blocked_writing(process.process.pid),
            timeout=WAIT_S,
            what="lq blocked writing to its stdout",
        )
        status = None
        for _ in range(int(WAIT_S / 0.5)):
            process.signal(signal.SIGINT)
            try:
                status = process.process.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                continue  # the write had not lasted long enough yet: Ctrl-C again
        assert status == 130
    finally:
        os.close(read_end)
        process.close()
