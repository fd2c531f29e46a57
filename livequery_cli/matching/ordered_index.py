"""Index parts for subscriptions without an equality: value ranges and regex prefixes.

A subscription like ``{"score": {"$gt": 10, "$lt": 20}}`` or ``{"name":
{"$regex": "^dr"}}`` pins no value, so the equality index cannot file it, and
without these parts it would be tested on every write to its class. Real
apps have thousands of such queries, one per user (a price band, a
name prefix), and a write matches a handful of them.

- ``RangeIndex`` files each subscription as an interval ``[lo, hi]`` of
  ``order_key`` values (the matcher's own ordering: numbers, strings, dates,
  booleans each in their bracket) and answers "which intervals hold v" by
  scanning only the blocks whose highest upper bound reaches ``v``: about
  ``n / BLOCK + BLOCK`` comparisons instead of ``n`` matcher calls.
- ``PrefixIndex`` files a ``$regex`` anchored at the start with a literal
  prefix (``^abc``, the SDKs' ``startsWith``: ``^\\Qabc\\E``) under that prefix
  (at most ``MAX_PREFIX`` characters); a string value probes one bucket per
  distinct prefix length.

Both only narrow: the caller still runs every candidate's matcher, so a
bound taken wider than the query (``$gt`` treated as ``$gte``, a prefix cut
short) costs a test, never an event.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Hashable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from livequery_cli.matching.canonical import order_key

__all__ = ["MAX_PREFIX", "PrefixIndex", "RangeIndex", "range_bounds", "regex_prefix"]

S = TypeVar("S", bound=Hashable)

BLOCK = 64
MAX_PREFIX = 16
_LOWER = ("$gt", "$gte")
_UPPER = ("$lt", "$lte")
_META = frozenset(".^$*+?()[]{}|\\")
_QUANTIFIERS = frozenset("*+?{")

Bound = tuple[Any, ...]


def range_bounds(constraint: object) -> tuple[Bound, Bound] | None:
    """``(lo, hi)`` of a ``{"$gt"/"$gte": a, "$lt"/"$lte": b}`` constraint, else ``None``.

    A missing side is open to the end of the operand's bracket (``(bracket -
    0.5,)`` / ``(bracket + 0.5,)`` sort before / after every value of it).
    """
    if not isinstance(constraint, Mapping) or "__type" in constraint:
        return None
    lows: list[Bound] = []
    highs: list[Bound] = []
    for ops, into in ((_LOWER, lows), (_UPPER, highs)):
        for op in ops:
            if op in constraint:
                key = order_key(constraint[op])
                if key is None or key[1] != key[1]:  # no order, or NaN
                    return None
                into.append(key)
    if not lows and not highs:
        return None
    lo = max(lows) if lows else (highs[0][0] - 0.5,)
    hi = min(highs) if highs else (lows[0][0] + 0.5,)
    return (min(lo, hi), max(lo, hi))


def regex_prefix(constraint: object) -> str | None:
    """The literal prefix every string matching this ``$regex`` starts with, or ``None``."""
    if not isinstance(constraint, Mapping):
        return None
    pattern = constraint.get("$regex")
    options = constraint.get("$options", "")
    if not isinstance(pattern, str) or not isinstance(options, str) or set(options) & set("imx"):
        return None
    if pattern.startswith("^\\Q"):
        literal = pattern[3:].split("\\E", 1)[0]
    elif pattern.startswith("^"):
        chars: list[str] = []
        for position, char in enumerate(pattern[1:], start=1):
            if char in _META:
                if char in _QUANTIFIERS and chars:
                    chars.pop()  # "ab*": b is optional, the prefix is "a"
                break
            chars.append(char)
            if position + 1 < len(pattern) and pattern[position + 1] in _QUANTIFIERS:
                chars.pop()
                break
        literal = "".join(chars)
    else:
        return None
    return literal[:MAX_PREFIX] or None


class RangeIndex(Generic[S]):
    """Intervals of ``order_key`` values, each carrying a subscription; stabbing queries."""

    def __init__(self) -> None:
        self._items: list[tuple[Bound, int, Bound, S]] = []  # sorted by (lo, seq)
        self._seq = 0
        self._block_max: list[Bound] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def add(self, lo: Bound, hi: Bound, subscription: S) -> tuple[Bound, int]:
        """File ``subscription``; returns the handle ``remove`` takes."""
        self._seq += 1
        bisect.insort(self._items, (lo, self._seq, hi, subscription), key=lambda item: item[:2])
        self._block_max = None
        return (lo, self._seq)

    def remove(self, handle: tuple[Bound, int]) -> None:
        position = bisect.bisect_left(self._items, handle, key=lambda item: item[:2])
        if position < len(self._items) and self._items[position][:2] == handle:
            del self._items[position]
            self._block_max = None

    def stab(self, value: Bound) -> Iterator[S]:
        """The subscriptions whose interval holds ``value``."""
        items = self._items
        end = bisect.bisect_right(items, value, key=lambda item: item[0])
        maxima = self._block_max
        if maxima is None:
            maxima = self._block_max = [
                max(item[2] for item in items[start : start + BLOCK])
                for start in range(0, len(items), BLOCK)
            ]
        for block, highest in enumerate(maxima):
            start = block * BLOCK
            if start >= end:
                break
            if highest < value:
                continue
            for _, _, hi, subscription in items[start : min(start + BLOCK, end)]:
                if hi >= value:
                    yield subscription


class PrefixIndex(Generic[S]):
    """Subscriptions filed by a literal string prefix."""

    def __init__(self) -> None:
        self._buckets: dict[str, set[S]] = {}
        self._lengths: Counter[int] = Counter()

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._buckets.values())

    def add(self, prefix: str, subscription: S) -> None:
        self._buckets.setdefault(prefix, set()).add(subscription)
        self._lengths[len(prefix)] += 1

    def remove(self, prefix: str, subscription: S) -> None:
        bucket = self._buckets.get(prefix)
        if bucket is None or subscription not in bucket:
            return
        bucket.discard(subscription)
        if not bucket:
            del self._buckets[prefix]
        self._lengths[len(prefix)] -= 1
        if not self._lengths[len(prefix)]:
            del self._lengths[len(prefix)]

    def lookup(self, text: str) -> Iterator[S]:
        """The subscriptions whose prefix ``text`` starts with."""
        for length in self._lengths:
            if len(text) >= length:
                bucket = self._buckets.get(text[:length])
                if bucket:
                    yield from bucket
