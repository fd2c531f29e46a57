"""A query's results as a stream of pages, whatever their number: what ``lq find`` prints.

A caller holds one page at a time and asks for the next only when it has
dealt with the last, so memory is bounded by the page size and a consumer
that stops (the reader of a pipe went away) stops the requests too.

Two ways to page:

* In the default order, by ``objectId`` as a keyset cursor (``objectId >
  last``), like ``RestClient.find_all``: constant cost per page, and exact
  while others write.
* With an ``order``, by ``skip``: a keyset cursor over arbitrary fields
  (nulls, missing fields, mixed types) is not something Parse's ``where``
  can express reliably. ``objectId`` is appended as a tie-breaker so that
  pages never overlap or leave gaps while the data stands still; concurrent
  writes can shift objects between pages, as with any offset paging.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from livequery_cli.exceptions import RestError
from livequery_cli.parse.json_types import JsonObject

if TYPE_CHECKING:
    from livequery_cli.client.rest import RestClient

__all__ = ["find_pages", "order_keys"]


def order_keys(order: Sequence[str] | None) -> list[str]:
    """The sort keys sent to the server: ``order`` with ``objectId`` last as a tie-breaker."""
    keys = list(order or [])
    if keys and not any(key.lstrip("-") == "objectId" for key in keys):
        keys.append("objectId")
    return keys


async def find_pages(
    rest: RestClient,
    class_name: str,
    where: Mapping[str, Any] | None = None,
    *,
    keys: Sequence[str] | None = None,
    order: Sequence[str] | None = None,
    include: Sequence[str] | None = None,
    limit: int | None = None,
    page_size: int = 1000,
) -> AsyncGenerator[list[JsonObject], None]:
    """The objects matching ``where``, at most ``limit`` of them, one page per request.

    A page is requested only when the previous one has been consumed.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    if limit is not None and limit < 0:
        raise ValueError("limit cannot be negative")
    base = dict(where or {})
    sort = order_keys(order)
    # Passed only when asked for: ``find`` overrides and stand-ins written before
    # ``include`` existed keep working under ``RestClient.find_all``.
    extra: dict[str, Any] = {"include": include} if include else {}
    remaining = limit
    last: str | None = None
    skip = 0
    while remaining is None or remaining > 0:
        size = page_size if remaining is None else min(page_size, remaining)
        if sort:
            page = await rest.find(
                class_name, base, keys=keys, order=sort, limit=size, skip=skip, **extra
            )
            skip += len(page)
        else:
            page_where = base if last is None else _after(base, last)
            page = await rest.find(
                class_name, page_where, keys=keys, order="objectId", limit=size, **extra
            )
            if page:
                last_id = page[-1].get("objectId")
                if not isinstance(last_id, str) or last_id == last:
                    raise RestError(
                        "the server's find answer is not ordered by objectId", status=200
                    )
                last = last_id
        if len(page) > size:  # a server that ignores ``limit``: keep the promise
            page = page[:size]
        if page:
            yield page
        if remaining is not None:
            remaining -= len(page)
        if len(page) < size:
            return


def _after(where: Mapping[str, Any], last_id: str) -> JsonObject:
    """``where`` narrowed to objects whose ``objectId`` sorts after ``last_id``."""
    cursor = {"objectId": {"$gt": last_id}}
    if "objectId" in where:
        return {"$and": [dict(where), cursor]}
    return {**where, **cursor}
