"""Throttling of password guessing: failed logins per username and per client address.

Each failed login (wrong password or unknown username) is counted twice: for
the username (case-folded) and for the client's address, over a sliding
window. Once either count reaches its limit, further logins for that username
or from that address are refused *before* any password is hashed, until the
oldest failure leaves the window, so a guesser gets neither answers nor CPU.
A successful login clears its username's count (the user knew the password),
but not the address's, so an attacker cannot reset their own count by
logging into an account of their own between guesses.

The answer is Parse Server's own for a rate limit (its ``rateLimit`` option):
HTTP 429 with ``{"code": 100, "error": "Too many requests."}``.

Memory is bounded: at most ``max_keys`` usernames and addresses are tracked;
beyond that, expired entries are dropped first, then the least recently
failed.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.server.rest_errors import ParseApiError

TOO_MANY_REQUESTS = 429
TOO_MANY_MESSAGE = "Too many requests."
DEFAULT_WINDOW_SECONDS = 60.0
DEFAULT_MAX_KEYS = 10_000


def too_many_requests() -> ParseApiError:
    return ParseApiError(ErrorCode.CONNECTION_FAILED, TOO_MANY_MESSAGE, status=TOO_MANY_REQUESTS)


class _Window:
    """Failure times per key within the last ``seconds``, capped at ``limit`` each."""

    def __init__(self, limit: int, seconds: float, max_keys: int) -> None:
        self.limit = limit
        self.seconds = seconds
        self.max_keys = max_keys
        # Insertion order = order of each key's latest failure (re-inserted on each).
        self._times: dict[str, deque[float]] = {}

    def full(self, key: str, now: float) -> bool:
        times = self._times.get(key)
        if times is None:
            return False
        while times and times[0] <= now - self.seconds:
            times.popleft()
        if not times:
            del self._times[key]
            return False
        return len(times) >= self.limit

    def add(self, key: str, now: float) -> None:
        times = self._times.pop(key, None) or deque(maxlen=self.limit)
        times.append(now)
        self._times[key] = times
        if len(self._times) > self.max_keys:
            self._shrink(now)

    def clear(self, key: str) -> None:
        self._times.pop(key, None)

    def __len__(self) -> int:
        return len(self._times)

    def _shrink(self, now: float) -> None:
        """Drop expired keys, then the least recently failed, down to 90% (amortized O(1))."""
        cutoff = now - self.seconds
        self._times = {k: t for k, t in self._times.items() if t and t[-1] > cutoff}
        excess = len(self._times) - self.max_keys * 9 // 10
        if excess > 0:
            for key in list(itertools.islice(self._times, excess)):
                del self._times[key]


class FailedLogins:
    """Counts failed logins per username and per address; refuses both when over the limit."""

    def __init__(
        self,
        *,
        per_username: int,
        per_address: int,
        window_seconds: float = DEFAULT_WINDOW_SECONDS,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._users = _Window(per_username, window_seconds, max_keys)
        self._addresses = _Window(per_address, window_seconds, max_keys)
        self._clock = clock

    def check(self, username: str, address: str) -> None:
        """Raise Parse's 429 answer when this username or address has failed too often."""
        now = self._clock()
        if self._users.full(_fold(username), now) or self._addresses.full(address, now):
            raise too_many_requests()

    def failed(self, username: str, address: str) -> None:
        now = self._clock()
        self._users.add(_fold(username), now)
        self._addresses.add(address, now)

    def succeeded(self, username: str) -> None:
        self._users.clear(_fold(username))

    @property
    def tracked(self) -> int:
        """How many usernames and addresses are remembered (for tests of the memory bound)."""
        return len(self._users) + len(self._addresses)


def _fold(username: str) -> str:
    return username.casefold()
