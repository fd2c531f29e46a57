"""``Query``: a chainable builder of Parse ``where`` JSON, named and behaving like ``Parse.Query``.

Each method mirrors the JS SDK's method of the same name (snake_case) and
produces the same JSON, so a query ported from JavaScript means the same
thing here (tests/query/ checks this against the SDK itself). The SDK's rules
that matter for that:

- ``equal_to`` replaces whatever constraint the key had; every other operator
  adds to the key's operator object, so ``greater_than("a", 1)`` then
  ``less_than("a", 9)`` gives ``{"a": {"$gt": 1, "$lt": 9}}`` and repeating an
  operator replaces its value.
- values are encoded as the SDK encodes them (``datetime`` -> Parse Date with
  milliseconds, ``Pointer``/``GeoPoint`` -> their JSON, ``re.Pattern`` -> its
  source).

Two deliberate departures, both where the SDK's output cannot work: a
``\\E`` inside ``starts_with``/``ends_with``/``contains`` text is escaped
every time it occurs (the SDK's ``quote`` escapes only the first), and
``within_polygon`` always sends GeoPoint objects (LiveQuery's matcher reads
``.latitude``/``.longitude`` of each point, so raw ``[lat, lng]`` pairs, which
the SDK passes through, never match).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Self, overload

from livequery_cli.client.query_find import FindModifiers
from livequery_cli.exceptions import QueryError, QueryTypeError
from livequery_cli.parse.values import GeoPoint, Pointer
from livequery_cli.parse.values import encode as encode_value

if TYPE_CHECKING:
    from datetime import datetime

    from livequery_cli.client.rest import RestClient
    from livequery_cli.client.subscription import Overflow, Subscription
    from livequery_cli.synced.synced import SyncedSubscription


__all__ = ["GeoPoint", "Pointer", "Query"]

_EARTH_RADIUS_KM = 6371.0
_EARTH_RADIUS_MILES = 3958.8

# Python regex flags with a JavaScript equivalent LiveQuery accepts in $options.
_PATTERN_FLAGS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"))


def quote(text: str) -> str:
    """A regex matching ``text`` literally: ``\\Q...\\E``, as the SDK's ``quote`` builds it."""
    return "\\Q" + text.replace("\\E", "\\E\\\\E\\Q") + "\\E"


def _pattern_options(pattern: re.Pattern[str]) -> str:
    flags = pattern.flags
    unsupported = flags & ~(re.IGNORECASE | re.MULTILINE | re.DOTALL | re.UNICODE)
    if unsupported:
        raise QueryError(
            f"regex flags {re.RegexFlag(unsupported)!r} have no JavaScript equivalent: "
            "LiveQuery evaluates $regex with JavaScript, which knows only i, m and s here"
        )
    return "".join(letter for flag, letter in _PATTERN_FLAGS if flags & flag)


def encode(value: Any) -> Any:
    """A Python value as Parse JSON; what cannot be sent is a ``QueryError``.

    The encoder (``parse.values``) sits below the exception tree and raises
    the built-in errors; here they become the library's (still ``ValueError``
    and ``TypeError`` subclasses, so either ``except`` works).
    """
    try:
        return encode_value(value)
    except TypeError as exc:
        raise QueryTypeError(str(exc)) from None
    except ValueError as exc:
        raise QueryError(str(exc)) from None


def _is_operator_object(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and k.startswith("$") for k in value)


class Query(FindModifiers):
    """A query: class name, ``where``, optional ``keys``/``watch`` for LiveQuery, and the
    REST read options of ``FindModifiers`` (order, paging, includes, ``find``/``count``)."""

    def __init__(self, class_name: str) -> None:
        if not isinstance(class_name, str) or not class_name:
            raise QueryTypeError("a Query needs a class name (a non-empty string)")
        self.class_name = class_name
        self.where: dict[str, Any] = {}
        self.keys: list[str] | None = None
        self.watch_fields: list[str] | None = None
        self._init_find()

    def __repr__(self) -> str:
        extra = ""
        if self.keys is not None:
            extra += f", keys={self.keys!r}"
        if self.watch_fields is not None:
            extra += f", watch={self.watch_fields!r}"
        return f"Query({self.class_name!r}, where={self.where!r}{extra})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Query):
            return NotImplemented
        return self.to_subscribe_query() == other.to_subscribe_query()

    __hash__ = None  # type: ignore[assignment]  # mutable builder

    # -- construction from JSON ------------------------------------------------

    @classmethod
    def from_where(
        cls,
        class_name: str,
        where: dict[str, Any],
        keys: Iterable[str] | None = None,
        watch: Iterable[str] | None = None,
    ) -> Query:
        """A query from ready-made ``where`` JSON (copied, so later edits do not leak)."""
        if not isinstance(where, dict):
            raise QueryTypeError(f"where must be a JSON object (dict), got {type(where).__name__}")
        query = cls(class_name)
        query.where = copy.deepcopy(where)
        if keys is not None:
            query.keys = _names(keys, "keys")
        if watch is not None:
            query.watch_fields = _names(watch, "watch")
        return query

    def to_subscribe_query(self) -> dict[str, Any]:
        """The ``query`` of a LiveQuery ``subscribe`` frame: ``{className, where, keys?, watch?}``.

        ``keys``/``watch`` are left out when empty: the server requires them
        to be non-empty arrays when present.
        """
        result: dict[str, Any] = {"className": self.class_name, "where": copy.deepcopy(self.where)}
        if self.keys:
            result["keys"] = list(self.keys)
        if self.watch_fields:
            result["watch"] = list(self.watch_fields)
        return result

    # -- the SDK's building blocks -----------------------------------------------

    def _add_condition(self, key: str, condition: str, value: Any) -> Self:
        _check_key(key)
        if not _is_operator_object(self.where.get(key)):
            self.where[key] = {}
        self.where[key][condition] = encode(value)
        return self

    # -- comparisons ---------------------------------------------------------

    def equal_to(self, key: str, value: Any) -> Self:
        """``key`` equals ``value`` (an array field: contains it); replaces other constraints."""
        _check_key(key)
        self.where[key] = encode(value)
        return self

    def not_equal_to(self, key: str, value: Any) -> Self:
        """``key`` is not ``value`` (``$ne``)."""
        return self._add_condition(key, "$ne", value)

    def less_than(self, key: str, value: Any) -> Self:
        """``key`` < ``value`` (``$lt``)."""
        return self._add_condition(key, "$lt", value)

    def less_than_or_equal_to(self, key: str, value: Any) -> Self:
        """``key`` <= ``value`` (``$lte``)."""
        return self._add_condition(key, "$lte", value)

    def greater_than(self, key: str, value: Any) -> Self:
        """``key`` > ``value`` (``$gt``)."""
        return self._add_condition(key, "$gt", value)

    def greater_than_or_equal_to(self, key: str, value: Any) -> Self:
        """``key`` >= ``value`` (``$gte``)."""
        return self._add_condition(key, "$gte", value)

    def contained_in(self, key: str, values: Iterable[Any]) -> Self:
        """``key`` is one of ``values`` (``$in``; an array field: shares one)."""
        return self._add_condition(key, "$in", _listed(values))

    def not_contained_in(self, key: str, values: Iterable[Any]) -> Self:
        """``key`` is none of ``values`` (``$nin``)."""
        return self._add_condition(key, "$nin", _listed(values))

    def contains_all(self, key: str, values: Iterable[Any]) -> Self:
        """The array in ``key`` contains every one of ``values``."""
        return self._add_condition(key, "$all", _listed(values))

    def contained_by(self, key: str, values: Iterable[Any]) -> Self:
        """Every element of the array in ``key`` is one of ``values``."""
        return self._add_condition(key, "$containedBy", _listed(values))

    def exists(self, key: str) -> Self:
        """``key`` is set (``$exists: true``)."""
        return self._add_condition(key, "$exists", True)

    def does_not_exist(self, key: str) -> Self:
        """``key`` is not set (``$exists: false``)."""
        return self._add_condition(key, "$exists", False)

    # -- strings -------------------------------------------------------------

    def matches(self, key: str, regex: str | re.Pattern[str], modifiers: str | None = None) -> Self:
        """``key`` matches ``regex``; a compiled pattern's i/m/s flags join ``modifiers``."""
        options = modifiers or ""
        if isinstance(regex, re.Pattern):
            if not isinstance(regex.pattern, str):
                raise QueryTypeError("matches() needs a str pattern, not bytes")
            options += _pattern_options(regex)
            source: str = regex.pattern
        elif isinstance(regex, str):
            source = regex
        else:
            raise QueryTypeError(f"matches() needs a str or re.Pattern, got {type(regex).__name__}")
        self._add_condition(key, "$regex", source)
        if options:
            self._add_condition(key, "$options", options)
        return self

    def starts_with(self, key: str, prefix: str, modifiers: str | None = None) -> Self:
        """``key`` starts with ``prefix`` (literally, not as a regex)."""
        return self.matches(key, "^" + quote(_text(prefix)), modifiers)

    def ends_with(self, key: str, suffix: str, modifiers: str | None = None) -> Self:
        """``key`` ends with ``suffix`` (literally, not as a regex)."""
        return self.matches(key, quote(_text(suffix)) + "$", modifiers)

    def contains(self, key: str, substring: str) -> Self:
        """``key`` contains ``substring`` (literally, not as a regex)."""
        return self._add_condition(key, "$regex", quote(_text(substring)))

    def contains_all_starting_with(self, key: str, prefixes: Iterable[str]) -> Self:
        """The array in ``key`` has, for each of ``prefixes``, an element starting with it."""
        return self.contains_all(key, [{"$regex": "^" + quote(_text(p))} for p in prefixes])

    # -- geo -----------------------------------------------------------------

    def near(self, key: str, point: GeoPoint | Any) -> Self:
        """Sort by distance to ``point`` (LiveQuery: matches every located object)."""
        return self._add_condition(key, "$nearSphere", GeoPoint.coerce(point))

    def within_radians(
        self, key: str, point: GeoPoint | Any, max_distance: float, sorted: bool = True
    ) -> Self:
        """Within ``max_distance`` radians of ``point``."""
        center = GeoPoint.coerce(point)
        if sorted:
            self.near(key, center)
            return self._add_condition(key, "$maxDistance", max_distance)
        return self._add_condition(
            key,
            "$geoWithin",
            {"$centerSphere": [[center.longitude, center.latitude], max_distance]},
        )

    def within_kilometers(
        self, key: str, point: GeoPoint | Any, max_distance: float, sorted: bool = True
    ) -> Self:
        """Within ``max_distance`` kilometers of ``point`` (sorted unless ``sorted=False``)."""
        return self.within_radians(key, point, max_distance / _EARTH_RADIUS_KM, sorted)

    def within_miles(
        self, key: str, point: GeoPoint | Any, max_distance: float, sorted: bool = True
    ) -> Self:
        """Within ``max_distance`` miles of ``point`` (sorted unless ``sorted=False``)."""
        return self.within_radians(key, point, max_distance / _EARTH_RADIUS_MILES, sorted)

    def within_geo_box(
        self, key: str, southwest: GeoPoint | Any, northeast: GeoPoint | Any
    ) -> Self:
        """Inside the box from ``southwest`` to ``northeast`` (``$within: {$box}``)."""
        box = [GeoPoint.coerce(southwest), GeoPoint.coerce(northeast)]
        return self._add_condition(key, "$within", {"$box": box})

    def within_polygon(self, key: str, points: Iterable[GeoPoint | Any]) -> Self:
        """Inside the polygon through ``points`` (at least 3; the last joins the first)."""
        polygon = [GeoPoint.coerce(p) for p in points]
        if len(polygon) < 3:
            raise QueryError("within_polygon() needs at least 3 points")
        return self._add_condition(key, "$geoWithin", {"$polygon": polygon})

    def polygon_contains(self, key: str, point: GeoPoint | Any) -> Self:
        """The Polygon in ``key`` contains ``point``."""
        return self._add_condition(key, "$geoIntersects", {"$point": GeoPoint.coerce(point)})

    # -- compound ------------------------------------------------------------

    @classmethod
    def or_(cls, *queries: Query) -> Query:
        """Objects matching at least one of ``queries`` (all of one class)."""
        return cls._compound("$or", queries)

    @classmethod
    def and_(cls, *queries: Query) -> Query:
        """Objects matching every one of ``queries`` (all of one class)."""
        return cls._compound("$and", queries)

    @classmethod
    def nor(cls, *queries: Query) -> Query:
        """Objects matching none of ``queries`` (all of one class)."""
        return cls._compound("$nor", queries)

    @classmethod
    def _compound(cls, operator: str, queries: tuple[Query, ...]) -> Query:
        if not queries:
            raise QueryError(f"{operator} needs at least one query")
        for q in queries:
            if not isinstance(q, Query):
                raise QueryTypeError(f"expected Query objects, got {type(q).__name__}")
        class_name = queries[0].class_name
        if any(q.class_name != class_name for q in queries):
            raise QueryError("All queries must be for the same class.")
        query = cls(class_name)
        query.where[operator] = [copy.deepcopy(q.where) for q in queries]
        return query

    def filter(self, expression: str) -> Self:
        """AND the ``--where`` language's ``expression`` into the query.

        ``Query("Game").filter("score > 100 and level.boss = true")`` means what
        ``lq tail Game --where 'score > 100 and level.boss = true'`` means; a
        syntax error is a ``WhereSyntaxError`` that can underline the bad token.
        """
        from livequery_cli.where import compile_where

        compiled = compile_where(expression)
        if not self.where:
            self.where = compiled
        elif compiled:
            self.where = {"$and": [self.where, compiled]}
        return self

    # -- LiveQuery options ---------------------------------------------------

    def select(self, *keys: str | Iterable[str]) -> Self:
        """Deliver only these top-level fields (plus objectId, createdAt, updatedAt, ACL)."""
        self.keys = (self.keys or []) + _flat_names(keys, "select")
        return self

    def watch(self, *fields: str | Iterable[str]) -> Self:
        """Send ``update`` events only when one of these fields changed."""
        self.watch_fields = (self.watch_fields or []) + _flat_names(fields, "watch")
        return self

    @overload
    async def subscribe(
        self,
        session_token: str | None = None,
        *,
        max_queue: int | None = ...,
        overflow: Overflow | None = ...,
    ) -> Subscription: ...

    @overload
    async def subscribe(
        self,
        session_token: str | None = None,
        *,
        snapshot: bool,
        resync: bool = ...,
        since: datetime | None = ...,
        rest: RestClient | None = ...,
    ) -> SyncedSubscription: ...

    async def subscribe(
        self, session_token: str | None = None, **options: Any
    ) -> Subscription | SyncedSubscription:
        """Subscribe through the shared connection (opened on first use).

        With ``snapshot=`` (and optionally ``resync``, ``since``, ``rest``) the
        result is a ``SyncedSubscription``: the current result set first, then
        changes, re-checked against the REST API after every reconnect.
        Otherwise ``max_queue``/``overflow`` may choose the subscription's
        buffer and overflow policy (see ``Subscription``).
        """
        from livequery_cli.client import standard

        return await standard.subscribe(self, session_token=session_token, **options)


def _check_key(key: object) -> None:
    if not isinstance(key, str) or not key:
        raise QueryTypeError(f"a field name must be a non-empty string, got {key!r}")


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise QueryTypeError("The value being searched for must be a string.")
    return value


def _listed(values: Iterable[Any]) -> list[Any]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise QueryTypeError(f"expected a list of values, got {values!r}")
    return list(values)


def _names(names: Iterable[str], what: str) -> list[str]:
    if isinstance(names, str):
        raise QueryTypeError(f"{what} must be a list of field names, not a string")
    result = list(names)
    for name in result:
        _check_key(name)
    return result


def _flat_names(items: tuple[str | Iterable[str], ...], what: str) -> list[str]:
    """``select("a", "b")`` and ``select(["a", "b"])``, as the SDK accepts both."""
    names: list[str] = []
    for item in items:
        names.extend([item] if isinstance(item, str) else _names(item, what))
    for name in names:
        _check_key(name)
    return names
