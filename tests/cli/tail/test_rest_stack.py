"""The REST stack is imported off the event loop, which keeps delivering meanwhile."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from livequery_cli.cli.tail import rest_stack

SLOW_MODULE = """
import threading
import lq_test_gate

lq_test_gate.importing_thread = threading.get_ident()
lq_test_gate.started.set()
# Finishes only once the event loop has run a callback: an import made on the loop
# itself would wait here forever.
if not lq_test_gate.loop_ran.wait(10):
    raise RuntimeError("the event loop did not run while the import was in progress")
"""


class Gate:
    """What the slow module and the test share (``import lq_test_gate`` finds it)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.loop_ran = threading.Event()
        self.importing_thread: int | None = None


@pytest.fixture
def slow_rest_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate()
    monkeypatch.setitem(sys.modules, "lq_test_gate", gate)
    (tmp_path / "lq_test_slow_rest.py").write_text(SLOW_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(rest_stack, "REST_MODULES", ("lq_test_slow_rest",))
    monkeypatch.setattr(rest_stack, "_loading", None)
    yield gate
    sys.modules.pop("lq_test_slow_rest", None)
    gc.unfreeze()  # load_rest_stack froze the test process's objects


async def test_the_loop_runs_while_the_rest_stack_is_imported(slow_rest_module: Gate) -> None:
    gate = slow_rest_module
    interval = sys.getswitchinterval()
    loading = asyncio.ensure_future(rest_stack.load_rest_stack())
    second = asyncio.ensure_future(rest_stack.load_rest_stack())  # shares the one import
    await asyncio.wait_for(asyncio.to_thread(gate.started.wait, 10), 15)
    assert sys.getswitchinterval() == rest_stack.IMPORT_SWITCH_INTERVAL_S
    asyncio.get_running_loop().call_soon(gate.loop_ran.set)
    await asyncio.wait_for(asyncio.gather(loading, second), 15)
    assert gate.importing_thread != threading.get_ident()
    assert "lq_test_slow_rest" in sys.modules
    assert sys.getswitchinterval() == interval
    assert gc.isenabled()
    await asyncio.wait_for(rest_stack.load_rest_stack(), 1)  # loaded: returns at once
