"""Is the server still answering while an attack runs? ``/health`` probed back to back.

Denial-of-service tests assert on what every other client sees, not on how
long the attack itself takes: while the attack is in flight, ``GET
<mount>/health`` is sent again and again (each one as soon as the previous
answer arrives, so there is no sleeping), and every answer must arrive within
``limit_s``. A server whose event loop is blocked answers nothing, so its
probe times out and is recorded as ``limit_s`` exceeded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import TypeVar

import aiohttp

__all__ = ["HealthProbe", "while_probing"]

T = TypeVar("T")

HEALTH_LIMIT_S = 0.2


@dataclass
class HealthProbe:
    """Latencies of the ``/health`` calls made during one attack."""

    limit_s: float
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def worst_s(self) -> float:
        return max(self.latencies, default=0.0)

    def assert_responsive(self, what: str) -> None:
        assert self.latencies, f"no /health answer was measured during {what}"
        assert not self.failures, (
            f"/health during {what}: {len(self.failures)} of {len(self.latencies)} probes "
            f"over {self.limit_s * 1000:.0f} ms or failed; first: {self.failures[0]}"
        )


async def _probe(url: str, probe: HealthProbe, done: asyncio.Event) -> None:
    timeout = aiohttp.ClientTimeout(total=probe.limit_s)
    async with aiohttp.ClientSession() as session:
        while True:  # at least once, even if the attack is already over
            started = time.perf_counter()
            try:
                async with session.get(url, timeout=timeout) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as error:
                elapsed = time.perf_counter() - started
                probe.latencies.append(elapsed)
                probe.failures.append(f"{type(error).__name__} after {elapsed * 1000:.0f} ms")
            else:
                elapsed = time.perf_counter() - started
                probe.latencies.append(elapsed)
                if status != 200 or elapsed > probe.limit_s:
                    probe.failures.append(f"HTTP {status} after {elapsed * 1000:.0f} ms")
            if done.is_set():
                return


async def while_probing(
    rest_url: str, attack: Awaitable[T], *, limit_s: float = HEALTH_LIMIT_S
) -> tuple[T, HealthProbe]:
    """Run ``attack`` while probing ``<rest_url>/health``; its result and the probe's record.

    At least one probe is completed after the attack started, even if the
    attack finishes first.
    """
    probe = HealthProbe(limit_s)
    done = asyncio.Event()
    prober = asyncio.create_task(_probe(rest_url.rstrip("/") + "/health", probe, done))
    try:
        result = await attack
    finally:
        done.set()
    await prober
    return result, probe
