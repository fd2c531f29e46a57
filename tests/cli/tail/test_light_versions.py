"""The lean read's version pages over the standard library, and when the REST client takes over.

``LightVersionSource`` pages like ``RestClient.find_all`` (``objectId`` order,
a ``$gt`` cursor) through ``StartVersionReader``'s plain GET; whole objects,
and a first page that could not be read, go to the REST client. End to end, a
resyncing ``lq tail --json`` finishes its seed without importing aiohttp
(the resync tests in ``test_resync.py`` run the rest of the path on lq serve
and Parse Server).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from support.lq_server import LqServer

from livequery_cli.cli.tail import light_versions
from livequery_cli.cli.tail.light_versions import LightVersionSource
from livequery_cli.exceptions import RestError
from livequery_cli.synced.lean import ResultSetSource


class PagedReader:
    """``StartVersionReader.results`` over fixed members; ``fail_at`` pages answer None."""

    def __init__(self, ids: list[str], *, fail_at: frozenset[int] = frozenset()) -> None:
        self.ids = sorted(ids)
        self.fail_at = fail_at
        self.requests: list[dict[str, str]] = []

    async def results(self, class_name: str, params: dict[str, str]) -> list[Any] | None:
        assert class_name == "Game"
        self.requests.append(params)
        if len(self.requests) - 1 in self.fail_at:
            return None
        where = orjson.loads(params.get("where", "{}"))
        after = where.get("objectId", {}).get("$gt", "") if "$and" not in where else None
        if after is None:
            after = where["$and"][1]["objectId"]["$gt"]
        chosen = [i for i in self.ids if i > after][: int(params["limit"])]
        return [
            {"objectId": i, "updatedAt": f"2026-01-01T00:00:0{len(i) % 10}.000Z"} for i in chosen
        ]


class FullSource:
    """The REST client's reader, counting that it was built."""

    def __init__(self) -> None:
        self.built = 0

    async def make(self) -> ResultSetSource:
        self.built += 1
        return self  # type: ignore[return-value]

    async def versions(self) -> AsyncIterator[tuple[str, str]]:
        yield "full", "2026-01-01T00:00:00.000Z"

    async def objects(self, ids: Sequence[str], after: str | None = None) -> dict[str, Any]:
        return {i: {"objectId": i} for i in ids}


async def _versions(source: LightVersionSource) -> list[tuple[str, str]]:
    return [item async for item in source.versions()]


async def test_versions_are_paged_by_objectid_without_the_rest_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(light_versions, "PAGE_SIZE", 3)
    ids = [f"id{n:02d}" for n in range(7)]
    reader, full = PagedReader(ids), FullSource()
    source = LightVersionSource(reader, "Game", {"score": {"$gt": 1}}, full.make)  # type: ignore[arg-type]
    assert [oid for oid, _ in await _versions(source)] == ids
    assert full.built == 0
    assert [r["limit"] for r in reader.requests] == ["3", "3", "3"]
    assert all(
        r["order"] == "objectId" and r["keys"] == "objectId,updatedAt" for r in reader.requests
    )
    assert orjson.loads(reader.requests[1]["where"]) == {
        "score": {"$gt": 1},
        "objectId": {"$gt": "id02"},
    }
    assert await source.objects(["id01"]) == {"id01": {"objectId": "id01"}}
    assert full.built == 1  # whole objects come through the REST client


async def test_a_where_on_objectid_keeps_its_condition_beside_the_cursor(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(light_versions, "PAGE_SIZE", 2)
    reader = PagedReader(["a", "b", "c"])
    where = {"objectId": {"$in": ["a", "b", "c"]}}
    source = LightVersionSource(reader, "Game", where, FullSource().make)  # type: ignore[arg-type]
    assert [oid for oid, _ in await _versions(source)] == ["a", "b", "c"]
    assert orjson.loads(reader.requests[1]["where"]) == {
        "$and": [where, {"objectId": {"$gt": "b"}}]
    }


async def test_an_unreadable_first_page_is_left_to_the_rest_client() -> None:
    reader, full = PagedReader(["a"], fail_at=frozenset({0})), FullSource()
    source = LightVersionSource(reader, "Game", {}, full.make)  # type: ignore[arg-type]
    assert await _versions(source) == [("full", "2026-01-01T00:00:00.000Z")]
    assert full.built == 1


async def test_an_unreadable_later_page_fails_the_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(light_versions, "PAGE_SIZE", 1)
    reader = PagedReader(["a", "b", "c"], fail_at=frozenset({1}))
    source = LightVersionSource(reader, "Game", {}, FullSource().make)  # type: ignore[arg-type]
    with pytest.raises(RestError, match="could not be read"):
        await _versions(source)


# Runs ``lq tail`` and, at its first ``synced`` status record (the seed is loaded),
# writes the imported modules to argv[1] and stops the tail with SIGINT.
SYNCED_PROBE = r"""
import json, os, signal, sys

from livequery_cli.cli.tail.runner import TailRunner

_status_event = TailRunner.status_event


def status_event(self, state, **fields):
    _status_event(self, state, **fields)
    if state == "synced" and not os.path.exists(sys.argv[1]):
        with open(sys.argv[1], "w") as out:
            json.dump(sorted(sys.modules), out)
        os.kill(os.getpid(), signal.SIGINT)


TailRunner.status_event = status_event
from livequery_cli.cli.main import main

main(sys.argv[2:])
"""


def test_a_resyncing_json_tail_seeds_without_the_rest_stack(
    tmp_path: Path, lq_server: LqServer
) -> None:
    snapshot = tmp_path / "at-synced.json"
    argv = [
        "tail", "LightSeedProbe", "--server-url", lq_server.rest_url,
        "--live-query-url", lq_server.ws_url,
        "--app-id", lq_server.app_id, "--js-key", lq_server.js_key, "--json", "--status-events",
        "-q", "--timeout", "30s",
    ]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", SYNCED_PROBE, str(snapshot), *argv],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LQ_CONFIG_DIR": str(tmp_path)},
    )
    assert snapshot.exists(), f"no synced record (exit {done.returncode}): {done.stderr}"
    assert done.returncode == 130, done.stderr
    modules = json.loads(snapshot.read_text())
    assert "aiohttp" not in modules
    assert "livequery_cli.client.rest" not in modules
    synced = [json.loads(line) for line in done.stdout.splitlines() if '"synced"' in line]
    assert synced
    assert synced[0]["count"] == 0
