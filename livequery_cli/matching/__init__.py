"""Parse-compatible evaluation of LiveQuery ``where`` clauses.

One matcher serves the embedded server's LiveQuery and REST ``find`` and the
CLI's query validation:

- ``compile_where(where) -> Matcher``: compile once (at subscribe time), then
  ``matcher(obj)`` per write; raises ``QueryError`` for anything LiveQuery
  cannot evaluate. ``validate_where`` and ``matches`` are thin wrappers.
- ``parse_error_code(exc)``: the Parse error code for a refused query (102).
- ``SubscriptionIndex``: subscriptions filed by class and equality constraints,
  so a write only meets the subscriptions that can match it.
- ``decide_event``, ``event_bodies``, ``project``, ``watch_triggers``: Parse's
  event rules.

Semantics follow Parse Server's LiveQuery (``QueryTools.matchesQuery``) with
its defects fixed; each deviation is documented in the module that makes it
(``values``, ``equality``, ``operators``, ``geo_operators``, ``regex``).

``$regex`` runs on Python's ``re``, which cannot be interrupted, inside the
server's event loop: patterns that can backtrack catastrophically (nested
quantifiers ``(a+)+``, overlapping alternatives ``(a|aa)+``, adjacent
overlapping quantifiers ``.*.*x``, backreferences) are refused at compile
time with code 102 (``regex_safety``), and strings longer than
``MAX_REGEX_SUBJECT_LENGTH`` never match a ``$regex``.
"""

from __future__ import annotations

from livequery_cli.matching.compiler import Matcher, compile_where, matches, validate_where
from livequery_cli.matching.events import (
    ALWAYS_KEPT,
    SaveEvent,
    decide_event,
    event_bodies,
    project,
    watch_triggers,
)
from livequery_cli.matching.index import SubscriptionIndex, index_keys
from livequery_cli.matching.limits import (
    INVALID_QUERY,
    MAX_LOGICAL_DEPTH,
    MAX_NESTING_DEPTH,
    MAX_REGEX_LENGTH,
    MAX_REGEX_SUBJECT_LENGTH,
    parse_error_code,
)
from livequery_cli.matching.operators import UNSUPPORTED_OPERATORS, UnsupportedOperator

__all__ = [
    "ALWAYS_KEPT",
    "INVALID_QUERY",
    "MAX_LOGICAL_DEPTH",
    "MAX_NESTING_DEPTH",
    "MAX_REGEX_LENGTH",
    "MAX_REGEX_SUBJECT_LENGTH",
    "UNSUPPORTED_OPERATORS",
    "Matcher",
    "SaveEvent",
    "SubscriptionIndex",
    "UnsupportedOperator",
    "compile_where",
    "decide_event",
    "event_bodies",
    "index_keys",
    "matches",
    "parse_error_code",
    "project",
    "validate_where",
    "watch_triggers",
]
