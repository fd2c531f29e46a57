"""The REST half of ``Query``: ordering, paging, includes, subqueries, and one-shot reads.

``Parse.Query`` is also how the JS SDK reads data once (``find``, ``first``,
``count``), with options LiveQuery has no use for. ``FindModifiers`` adds them
to ``Query`` under the SDK's names (snake_case) with the SDK's JSON, and
``find``/``first``/``count``/``find_all`` run the query through the REST API
(the same ``RestClient`` paging ``lq find`` uses).

Subquery constraints (``matches_query`` & co.) and ``full_text`` are REST
only: a LiveQuery server refuses them at ``subscribe`` (Parse's LiveQuery
cannot evaluate them), so a query that has them is for ``find``.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterable
from typing import TYPE_CHECKING, Any, Self

from livequery_cli.exceptions import QueryError
from livequery_cli.parse.json_types import JsonObject

if TYPE_CHECKING:
    from livequery_cli.client.rest import RestClient

__all__ = ["FindModifiers"]


class FindModifiers:
    """Mixed into ``Query``: what ``Parse.Query`` has for reads beyond LiveQuery's options."""

    class_name: str
    where: dict[str, Any]
    keys: list[str] | None
    order: list[str]
    limit_count: int | None
    skip_count: int
    includes: list[str]
    excluded: list[str]

    def _init_find(self) -> None:
        self.order = []
        self.limit_count = None
        self.skip_count = 0
        self.includes = []
        self.excluded = []

    def _add_condition(self, key: str, condition: str, value: Any) -> Self:
        raise NotImplementedError  # provided by Query

    # -- order and paging ------------------------------------------------------

    def ascending(self, *keys: str) -> Self:
        """Sort by ``keys``, ascending (replaces any earlier order)."""
        self.order = []
        return self.add_ascending(*keys)

    def add_ascending(self, *keys: str) -> Self:
        """Then sort by ``keys``, ascending."""
        self.order += _order_keys(keys)
        return self

    def descending(self, *keys: str) -> Self:
        """Sort by ``keys``, descending (replaces any earlier order)."""
        self.order = []
        return self.add_descending(*keys)

    def add_descending(self, *keys: str) -> Self:
        """Then sort by ``keys``, descending."""
        self.order += ["-" + key for key in _order_keys(keys)]
        return self

    def limit(self, n: int) -> Self:
        """At most ``n`` objects from ``find`` (Parse's default is 100)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise QueryError(f"limit must be a non-negative integer, got {n!r}")
        self.limit_count = n
        return self

    def skip(self, n: int) -> Self:
        """Skip the first ``n`` objects of the order."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise QueryError(f"skip must be a non-negative integer, got {n!r}")
        self.skip_count = n
        return self

    # -- what comes back -------------------------------------------------------

    def include(self, *keys: str) -> Self:
        """Return the objects these pointer fields point to (dotted paths go deeper)."""
        self.includes += _order_keys(keys)
        return self

    def include_all(self) -> Self:
        """Return the objects every pointer field points to (``include=*``)."""
        return self.include("*")

    def exclude(self, *keys: str) -> Self:
        """Leave these fields out of the objects ``find`` returns."""
        self.excluded += _order_keys(keys)
        return self

    # -- REST-only constraints -------------------------------------------------

    def full_text(
        self,
        key: str,
        value: str,
        *,
        language: str | None = None,
        case_sensitive: bool | None = None,
        diacritic_sensitive: bool | None = None,
    ) -> Self:
        """``key`` matches the text search ``value`` (``$text``; REST only)."""
        if not isinstance(value, str) or not value:
            raise QueryError("full_text needs a non-empty search string")
        search: JsonObject = {"$term": value}
        for name, option in (
            ("$language", language),
            ("$caseSensitive", case_sensitive),
            ("$diacriticSensitive", diacritic_sensitive),
        ):
            if option is not None:
                search[name] = option
        return self._add_condition(key, "$text", {"$search": search})

    def matches_query(self, key: str, query: FindModifiers) -> Self:
        """``key`` points to an object ``query`` finds (``$inQuery``; REST only)."""
        return self._add_condition(key, "$inQuery", _subquery(query))

    def does_not_match_query(self, key: str, query: FindModifiers) -> Self:
        """``key`` points to no object ``query`` finds (``$notInQuery``; REST only)."""
        return self._add_condition(key, "$notInQuery", _subquery(query))

    def matches_key_in_query(self, key: str, query_key: str, query: FindModifiers) -> Self:
        """``key`` equals ``query_key`` of an object ``query`` finds (``$select``; REST only)."""
        return self._add_condition(key, "$select", {"key": query_key, "query": _subquery(query)})

    def does_not_match_key_in_query(self, key: str, query_key: str, query: FindModifiers) -> Self:
        """``key`` equals ``query_key`` of no object ``query`` finds (``$dontSelect``)."""
        select = {"key": query_key, "query": _subquery(query)}
        return self._add_condition(key, "$dontSelect", select)

    # -- one-shot reads --------------------------------------------------------

    def find_params(self) -> JsonObject:
        """The REST ``find`` parameters, as the JS SDK's ``Query.toJSON()`` spells them."""
        params: JsonObject = {"where": copy.deepcopy(self.where)}
        if self.keys:
            params["keys"] = ",".join(self.keys)
        if self.order:
            params["order"] = ",".join(self.order)
        if self.limit_count is not None:
            params["limit"] = self.limit_count
        if self.skip_count:
            params["skip"] = self.skip_count
        if self.includes:
            params["include"] = ",".join(self.includes)
        if self.excluded:
            params["excludeKeys"] = ",".join(self.excluded)
        return params

    async def find(self, *, rest: RestClient | None = None) -> list[JsonObject]:
        """The objects the query finds (one request: ``limit``, default 100, at most)."""
        async with _Reader(rest) as client:
            return await client.find_query(self.class_name, self.find_params())

    async def first(self, *, rest: RestClient | None = None) -> JsonObject | None:
        """The first object the query finds, or None."""
        params = self.find_params()
        params["limit"] = 1
        async with _Reader(rest) as client:
            found = await client.find_query(self.class_name, params)
        return found[0] if found else None

    async def count(self, *, rest: RestClient | None = None) -> int:
        """How many objects match (``count=1&limit=0``; order and paging do not apply)."""
        async with _Reader(rest) as client:
            return await client.count(self.class_name, self.where)

    async def find_all(
        self, *, rest: RestClient | None = None, page_size: int = 100
    ) -> AsyncIterator[JsonObject]:
        """Every object that matches, page by page (in ``objectId`` order; memory stays flat)."""
        if self.order or self.skip_count or self.limit_count is not None:
            raise QueryError("find_all pages in objectId order: drop order, skip and limit")
        async with _Reader(rest) as client:
            async for obj in client.find_all(
                self.class_name, self.where, keys=self.keys, page_size=page_size
            ):
                yield obj


class _Reader:
    """The given ``RestClient`` (left open), or the standard API's for the current user."""

    def __init__(self, rest: RestClient | None) -> None:
        self._given = rest
        self._owned: RestClient | None = None

    async def __aenter__(self) -> RestClient:
        if self._given is not None:
            return self._given
        from livequery_cli.client import standard

        self._owned = standard.rest_client(standard.current_session_token())
        return self._owned

    async def __aexit__(self, *exc_info: object) -> None:
        if self._owned is not None:
            await self._owned.close()


def _order_keys(keys: Iterable[str]) -> list[str]:
    names: list[str] = []
    for key in keys:
        if not isinstance(key, str) or not key:
            raise QueryError(f"a field name must be a non-empty string, got {key!r}")
        names.extend(part.strip() for part in key.split(",") if part.strip())
    return names


def _subquery(query: FindModifiers) -> JsonObject:
    """A subquery as the JS SDK sends it: its JSON with ``className``."""
    if not isinstance(query, FindModifiers):
        raise QueryError(f"expected a Query, got {type(query).__name__}")
    sub: JsonObject = {"where": copy.deepcopy(query.where), "className": query.class_name}
    if query.keys:
        sub["keys"] = ",".join(query.keys)
    return sub
