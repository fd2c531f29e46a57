"""Outstanding requests: rejected when the connection ends, silently when nobody waits."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from livequery_cli.client.pending import PendingRequests
from livequery_cli.exceptions import InvalidStateError


async def test_a_waiting_caller_gets_the_rejection() -> None:
    pending = PendingRequests()
    waiter = pending.subscribe(1)
    pending.fail_all(InvalidStateError("the connection is closed"))
    with pytest.raises(InvalidStateError):
        await waiter


async def test_a_rejection_nobody_waits_for_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    """A caller cancelled by Ctrl-C leaves its request behind; closing must not log about it."""
    caplog.set_level(logging.ERROR, logger="asyncio")
    pending = PendingRequests()
    pending.subscribe(1)
    pending.update(1, 2)
    pending.finished(1, InvalidStateError("the subscription was unsubscribed"))
    await asyncio.sleep(0)  # let the done-callbacks run
    gc.collect()
    assert "never retrieved" not in caplog.text
