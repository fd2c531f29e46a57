"""Limits on the queries the matcher accepts, and the Parse error code for refusals.

The matcher runs on every write for every candidate subscription, inside the
server's event loop, on queries written by untrusted clients. These limits keep
one hostile ``subscribe`` from costing more than a bounded amount of work:

- ``MAX_LOGICAL_DEPTH``: how deeply ``$or``/``$and``/``$nor`` may nest. Parse
  Server's ``requestComplexity.queryDepth`` counts the same thing; ten levels
  is far beyond anything a query builder produces.
- ``MAX_NESTING_DEPTH``: how deeply any JSON inside ``where`` may nest (objects
  and arrays, operators included), so that compiling and comparing values
  never recurses without bound.
- ``MAX_QUERY_LIST_ITEMS``, ``MAX_QUERY_NODES``, ``MAX_QUERY_CONDITIONS``,
  ``MAX_QUERY_BYTES``: the size of a query, checked before it is compiled
  (``query_cost``): at most 10,000 values in one ``$in``/``$nin``/``$all``/
  ``$containedBy``, 50,000 JSON values in all, 5,000 conditions (fields,
  operators, logical branches: compiling one costs ~7 us and ~1 kB), 1 MiB
  of JSON (the default LiveQuery frame limit). A query at these limits
  compiles in tens of milliseconds.
  Parse Server has no such limits; a ``$in`` of ten thousand object ids is
  far beyond what a client sends in one query, and each value costs a few
  hundred bytes of server memory for as long as a subscription lives.
- ``MAX_INDEXED_VALUES``: a subscription whose ``$in`` lists more values than
  this is not filed under each value in the subscription index (each filing
  is a set of its own, ~200 bytes) but in the class's fallback bucket, where
  its matcher's hashed ``$in`` still tests a write in constant time.
- ``MAX_REGEX_LENGTH``: patterns are kept to 1,000 characters, which admits
  every realistic ``startsWith``/``contains`` query.
- ``MAX_REGEX_PROGRAM_SIZE``, ``REGEX_MAX_MEM``, ``MAX_REGEX_WORK``: ``$regex``
  runs on RE2 (``regex``), whose matching time is linear in the string's
  length but also grows with the compiled program: on patterns that defeat
  its DFA, such as ``(a|b)*a(a|b){20}``, RE2 costs up to about 7 ns per
  character per instruction. A pattern may compile to at most 5,000
  instructions (``a{1000}`` is about 1,000, an SDK ``contains`` of a short
  word about 10) and use at most 256 KiB of RE2 memory (its lazily built DFA
  included; it falls back to the NFA rather than grow). A string is tested
  only while ``len(string) * program size <= MAX_REGEX_WORK`` (5,000,000):
  one test then stays under about 35 ms, whatever the pattern and the string.
  For the SDK's ``contains``/``startsWith`` of a word that admits strings of
  hundreds of thousands of characters, for the largest programs 1,000
  characters (the backtracking engine used before tested at most 10,000
  characters for every pattern). A longer string never matches that
  ``$regex``, in REST ``find`` and LiveQuery alike: a documented deviation
  from Parse (MongoDB has no such cap), preferred to letting one long value
  freeze the event loop every client shares.
- ``REGEX_CACHE_SIZE``: compiled patterns are shared by every subscription
  using the same ``$regex``/``$options``; the cache is an LRU of this size.
"""

from __future__ import annotations

from typing import Final

from livequery_cli.exceptions import QueryError
from livequery_cli.parse.errors import ErrorCode

__all__ = [
    "INVALID_QUERY",
    "MAX_INDEXED_VALUES",
    "MAX_LOGICAL_DEPTH",
    "MAX_NESTING_DEPTH",
    "MAX_QUERY_BYTES",
    "MAX_QUERY_CONDITIONS",
    "MAX_QUERY_LIST_ITEMS",
    "MAX_QUERY_NODES",
    "MAX_REGEX_LENGTH",
    "MAX_REGEX_PROGRAM_SIZE",
    "MAX_REGEX_WORK",
    "REGEX_CACHE_SIZE",
    "REGEX_MAX_MEM",
    "parse_error_code",
]

INVALID_QUERY: Final = ErrorCode.INVALID_QUERY
MAX_LOGICAL_DEPTH: Final = 10
MAX_NESTING_DEPTH: Final = 32
MAX_QUERY_LIST_ITEMS: Final = 10_000
MAX_QUERY_NODES: Final = 50_000
MAX_QUERY_CONDITIONS: Final = 5_000
MAX_QUERY_BYTES: Final = 1 << 20
MAX_INDEXED_VALUES: Final = 256
MAX_REGEX_LENGTH: Final = 1000
MAX_REGEX_PROGRAM_SIZE: Final = 5_000
MAX_REGEX_WORK: Final = 5_000_000
REGEX_MAX_MEM: Final = 256 << 10
REGEX_CACHE_SIZE: Final = 256


def parse_error_code(exc: QueryError) -> int:
    """The Parse error code an ``error`` frame or REST reply carries for ``exc``.

    Parse Server answers every query it cannot run with ``INVALID_QUERY``
    (102): a bad regular expression, nesting beyond ``queryDepth``, ``$or``
    that is not an array. Operators LiveQuery cannot evaluate (``$inQuery``,
    ``$select``, ...) get the same code here: for a subscriber they are just as
    impossible to run, and code 102 carries ``reconnect: false``, which is
    right because resending the same query cannot succeed. Taking the
    exception keeps call sites unchanged should a refusal ever need another
    code.
    """
    return INVALID_QUERY
