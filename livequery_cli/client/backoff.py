"""Reconnect delays: capped exponential backoff with full jitter.

The delays are a pure generator, so tests read them without waiting, and the
policy is an immutable value, so one default instance can be shared by every
client. The formula is the Parse JS SDK's: before attempt ``k`` (from 1) wait
``random() * min(max_delay, base * (2**k - 1))`` seconds. Full jitter spreads
the reconnects of many clients after a server restart instead of having them
all arrive at the same instant.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from livequery_cli.exceptions import ConfigError

__all__ = ["ReconnectPolicy", "backoff"]

# 2**k beyond this exceeds any sensible cap; stop growing the exponent so the
# generator can run forever without building huge integers.
_MAX_EXPONENT = 62


def backoff(
    *,
    base: float = 1.0,
    max_delay: float = 30.0,
    rng: Callable[[], float] = random.random,
) -> Iterator[float]:
    """Yield the delay before reconnect attempt 1, 2, 3, ... forever."""
    k = 1
    while True:
        yield rng() * min(max_delay, base * (2**k - 1))
        if k < _MAX_EXPONENT:
            k += 1


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """How a client reconnects after an unexpected close.

    ``max_retries`` counts consecutive failed attempts (``None``: retry
    forever; ``0``: never reconnect). The count and the delays start over once
    the connection is restored, which means ``connected`` plus the
    confirmation of a subscription when there are subscriptions to restore.
    ``rng`` exists for tests.
    """

    base: float = 1.0
    max_delay: float = 30.0
    max_retries: int | None = None
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.base < 0 or self.max_delay < 0:
            raise ConfigError("reconnect delays cannot be negative")
        if self.max_retries is not None and self.max_retries < 0:
            raise ConfigError("max_retries cannot be negative")

    def delays(self) -> Iterator[float]:
        """A fresh delay sequence, starting at attempt 1."""
        return backoff(base=self.base, max_delay=self.max_delay, rng=self.rng)

    def allows(self, attempt: int) -> bool:
        """Whether reconnect attempt number ``attempt`` (from 1) may be made."""
        return self.max_retries is None or attempt <= self.max_retries
