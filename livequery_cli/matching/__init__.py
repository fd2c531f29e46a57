"""Parse-compatible evaluation of LiveQuery ``where`` clauses.

One matcher serves the embedded server's LiveQuery and REST ``find`` and the
CLI's query validation:

- ``compile_where(where) -> Matcher``: compile once (at subscribe time), then
  ``matcher(obj)`` per write; raises ``QueryError`` for anything LiveQuery
  cannot evaluate. ``validate_where`` and ``matches`` are thin wrappers.
- ``measure_where(where) -> QueryCost``: the size of a query, refused over
  the limits before compiling; ``QueryCost.memory`` estimates what a
  subscription to it holds (``Matcher.cost`` carries it too).
- ``parse_error_code(exc)``: the Parse error code for a refused query (102).
- ``SubscriptionIndex``: subscriptions filed by class and equality constraints,
  so a write only meets the subscriptions that can match it.
- ``decide_event``, ``event_bodies``, ``project``, ``watch_triggers``: Parse's
  event rules.

Semantics follow Parse Server's LiveQuery (``QueryTools.matchesQuery``) with
its defects fixed; each deviation is documented in the module that makes it
(``values``, ``equality``, ``operators``, ``geo_operators``, ``regex``).

``$regex`` runs on RE2, a linear-time engine (``regex``): no pattern can
backtrack catastrophically inside the server's event loop. What RE2 cannot
run (backreferences, lookaround) is refused at compile time with code 102,
and the cost of one test is bounded by ``MAX_REGEX_WORK`` (``limits``).
"""

from __future__ import annotations

from livequery_cli.matching.index import SubscriptionIndex, index_keys
from livequery_cli.matching.limits import (
    INVALID_QUERY,
    MAX_LOGICAL_DEPTH,
    MAX_NESTING_DEPTH,
    MAX_REGEX_LENGTH,
    MAX_REGEX_WORK,
    parse_error_code,
)
from livequery_cli.matching.matcher import Matcher, compile_where, matches, validate_where
from livequery_cli.matching.operators import UNSUPPORTED_OPERATORS, UnsupportedOperator
from livequery_cli.matching.query_cost import QueryCost, measure_where
from livequery_cli.matching.transitions import (
    ALWAYS_KEPT,
    SaveEvent,
    decide_event,
    event_bodies,
    project,
    watch_triggers,
)

__all__ = [
    "ALWAYS_KEPT",
    "INVALID_QUERY",
    "MAX_LOGICAL_DEPTH",
    "MAX_NESTING_DEPTH",
    "MAX_REGEX_LENGTH",
    "MAX_REGEX_WORK",
    "UNSUPPORTED_OPERATORS",
    "Matcher",
    "QueryCost",
    "SaveEvent",
    "SubscriptionIndex",
    "UnsupportedOperator",
    "compile_where",
    "decide_event",
    "event_bodies",
    "index_keys",
    "matches",
    "measure_where",
    "parse_error_code",
    "project",
    "validate_where",
    "watch_triggers",
]
