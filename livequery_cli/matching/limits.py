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
- ``MAX_REGEX_LENGTH``: Python's ``re`` cannot be interrupted, so patterns
  are kept short (and their shape checked, see ``regex_safety``). 1,000
  characters admits every realistic ``startsWith``/``contains`` query.
- ``MAX_REGEX_SUBJECT_LENGTH``: even a safe pattern costs time quadratic in
  the length of the string it is tested on (``.*x`` on 10,000 characters
  takes about 0.1 s; on 100,000 about 10 s). A string value longer than this
  never matches a ``$regex``, in REST ``find`` and LiveQuery alike: a
  documented deviation from Parse (MongoDB has no such cap), preferred to
  letting one long value freeze the event loop every server shares.
- ``REGEX_CACHE_SIZE``: compiled patterns are shared by every subscription
  using the same ``$regex``/``$options``; the cache is an LRU of this size.
"""

from __future__ import annotations

from typing import Final

from livequery_cli.exceptions import QueryError

__all__ = [
    "INVALID_QUERY",
    "MAX_LOGICAL_DEPTH",
    "MAX_NESTING_DEPTH",
    "MAX_REGEX_LENGTH",
    "MAX_REGEX_SUBJECT_LENGTH",
    "REGEX_CACHE_SIZE",
    "parse_error_code",
]

INVALID_QUERY: Final = 102
MAX_LOGICAL_DEPTH: Final = 10
MAX_NESTING_DEPTH: Final = 32
MAX_REGEX_LENGTH: Final = 1000
MAX_REGEX_SUBJECT_LENGTH: Final = 10_000
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
