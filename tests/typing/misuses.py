"""Deliberate misuses of the public API: each line marked ``# error`` must fail the type check.

Checked by ``test_typing.py`` with ``mypy --strict`` and ``pyright --strict``; it is
never run.
"""

from __future__ import annotations

from typing import Any

import livequery_cli as lq


def one(obj: dict[str, Any]) -> None:
    print(obj)


def two(obj: dict[str, Any], original: dict[str, Any] | None) -> None:
    print(obj, original)


def nothing() -> None:
    print("open")


async def synced_misuses(synced: lq.SyncedSubscription) -> None:
    synced.on("sync", nothing)  # error: no such event (it is "synced")
    synced.on("snapshot", one)  # error: snapshot listeners take a list of objects
    synced.on("update", one)  # error: update listeners take (object, original)


async def synced_fine(synced: lq.SyncedSubscription) -> None:
    synced.on("snapshot", lambda objects: print(len(objects)))
    synced.on("synced", lambda report: print(report.kind, report.summary()))
    synced.on("enter", two)


async def misuses(sub: lq.Subscription, client: lq.LiveQueryClient) -> None:
    sub.on("entr", two)  # error: no such event
    sub.on("update", one)  # error: update listeners take (object, original)
    sub.on("create", two)  # error: create listeners take (object)
    sub.once("open", one)  # error: open listeners take no argument
    sub.off("leave", one)  # error: leave listeners take (object, original)
    client.on("reconnect", nothing)  # error: reconnect listeners take (attempt, delay)
    client.on("subscribed", nothing)  # error: no such client event
    lq.LiveQuery.on("eror", print)  # error: no such event
    lq.LiveQuery.on("open", one)  # error: open listeners take no argument


async def fine(sub: lq.Subscription, client: lq.LiveQueryClient) -> None:
    sub.on("enter", two)
    sub.on("create", one)
    sub.on("open", nothing)
    sub.on("error", lambda error: print(error))
    client.on("reconnect", lambda attempt, delay: print(attempt + 1, delay * 2))
    lq.LiveQuery.on("close", nothing)
    event = await anext(sub)
    print(event.op, event.object["objectId"])
