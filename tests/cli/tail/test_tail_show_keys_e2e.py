"""Pretty lines against both servers: ``--show`` with ``--keys``, snapshot times.

``--keys`` makes the server send only some fields. ``--show`` fields are
added to them, so they can be printed; an update that changed only fields
outside the keys still gets a line that says so. Run against Parse Server 9
and ``lq serve`` through the rig's ``server`` fixture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from support.lq_process import LqProcess
from support.parse_server import ParseServer as ServerHandle


@pytest.fixture
def lq(server: ServerHandle) -> Iterator[Any]:
    started: list[LqProcess] = []

    def start(*args: str) -> LqProcess:
        env = {
            "LQ_SERVER_URL": server.rest_url,
            "LQ_APP_ID": server.app_id,
            "LQ_JS_KEY": server.js_key,
        }
        proc = LqProcess(args, env=env)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.close()


def test_show_and_keys_lines(lq: Any, server: ServerHandle, unique_tag: str) -> None:
    proc = lq(
        "tail", "Game", "--where", f"tag = {unique_tag}", "--keys", "score",
        "--show", "player", "--color", "never", "--timestamps", "none",
    )  # fmt: skip
    proc.wait_stderr("subscribed to Game")
    game = server.rest.create("Game", {"tag": unique_tag, "score": 1, "player": "ann", "level": 1})
    oid = game["objectId"]
    server.rest.update("Game", oid, {"score": 2})
    server.rest.update("Game", oid, {"level": 2})  # outside --keys
    create, update, hidden = proc.read_stdout(3)
    assert re.fullmatch(rf'create   Game {oid} \[player="ann"\] score=1', create), create
    assert update == f'update   Game {oid} [player="ann"] score: 1 -> 2'
    assert hidden == f'update   Game {oid} [player="ann"] (changed: fields not sent, see --keys)'


def test_snapshot_lines_carry_the_objects_updated_at(
    lq: Any, server: ServerHandle, unique_tag: str
) -> None:
    game = server.rest.create("Game", {"tag": unique_tag, "score": 5})
    stored = server.rest.get("Game", game["objectId"])
    proc = lq(
        "tail", "Game", "--where", f"tag = {unique_tag}", "--snapshot",
        "--timestamps", "iso", "--color", "never", "--count", "1",
    )  # fmt: skip
    (line,) = proc.read_stdout(1)
    assert line.startswith(f"{stored['updatedAt']} snapshot Game {game['objectId']} "), line
    assert proc.wait() == 0
