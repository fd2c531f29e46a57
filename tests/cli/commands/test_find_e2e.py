"""``lq find`` end to end against ``lq serve`` (and Parse Server 9 where it is the reference).

The in-process runs (``support.cli_run.lq``) give exact stdout and exit
statuses; the child-process runs prove what only a real pipe shows: a
``| head`` stops the paging and the exit is 0.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from support.cli_run import lq
from support.parse_server import ParseServer as ServerHandle

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.main import run
from livequery_cli.client.rest import RestClient


def _env(server: ServerHandle) -> dict[str, str]:
    return {
        "LQ_SERVER_URL": server.rest_url,
        "LQ_APP_ID": server.app_id,
        "LQ_JS_KEY": server.js_key,
    }


def _create(server: ServerHandle, tag: str, rows: list[dict[str, Any]]) -> list[str]:
    ops = [{"method": "POST", "path": "classes/Game", "body": {"tag": tag, **r}} for r in rows]
    ids: list[str] = []
    for start in range(0, len(ops), 50):
        answers = server.rest.batch(ops[start : start + 50])
        ids.extend(a["success"]["objectId"] for a in answers)
    return ids


@pytest.fixture
def games(server: ServerHandle, unique_tag: str) -> list[str]:
    rows = [
        {"name": "ann", "score": 30},
        {"name": "bob", "score": 10},
        {"name": "cid", "score": 30},
        {"name": "dan", "score": 20},
    ]
    return [server.rest.create("Game", {"tag": unique_tag, **row})["objectId"] for row in rows]


def test_json_records_of_kind_object_in_order_with_a_limit(
    server: ServerHandle, unique_tag: str, games: list[str]
) -> None:
    result = lq(
        "find",
        "Game",
        "--where",
        f"tag = {unique_tag}",
        "--order",
        "-score,name",
        "--limit",
        "3",
        "--page-size",
        "2",
        "--json",
        env=_env(server),
    )
    assert result.status == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["object"]["name"] for r in records] == ["ann", "cid", "dan"]
    assert [r["seq"] for r in records] == [1, 2, 3]
    for record in records:
        assert record["v"] == 1
        assert record["kind"] == "object"
        assert record["op"] == "object"
        assert record["class"] == "Game"
        assert record["id"] == record["object"]["objectId"]
        assert "original" not in record
    assert result.stderr == ""


def test_template_raw_keys_and_the_default_order_by_object_id(
    server: ServerHandle, unique_tag: str, games: list[str]
) -> None:
    where = f"tag = {unique_tag}"
    templ = lq("find", "Game", "-w", where, "-w", "score gt 15", "-t", "{id} {object.name}",
               env=_env(server))  # fmt: skip
    assert templ.status == 0, templ.stderr
    names = ["ann", "bob", "cid", "dan"]
    by_id = sorted(zip(games, names, strict=True))
    assert templ.stdout == "".join(f"{oid} {n}\n" for oid, n in by_id if n != "bob")
    raw = lq("find", "Game", "-w", where, "--keys", "name", "-o", "raw", "--order", "name",
             env=_env(server))  # fmt: skip
    objects = [json.loads(line) for line in raw.stdout.splitlines()]
    assert [o["name"] for o in objects] == ["ann", "bob", "cid", "dan"]
    assert all("score" not in o for o in objects)


def test_pretty_lines_look_like_the_tails(
    server: ServerHandle, unique_tag: str, games: list[str]
) -> None:
    result = lq("find", "Game", "-w", f"tag = {unique_tag}", "--order", "name", "--limit", "1",
                env=_env(server))  # fmt: skip
    assert result.status == 0
    (line,) = result.stdout.splitlines()
    assert re.search(rf" object +Game {games[0]} ", line), line  # the op column is padded
    assert 'name="ann"' in line
    assert "score=30" in line


def test_count_and_exit_status(server: ServerHandle, unique_tag: str, games: list[str]) -> None:
    env = _env(server)
    where = f"tag = {unique_tag}"
    assert lq("find", "Game", "-w", where, "--count", env=env).stdout == "4\n"
    assert lq("find", "Game", "-w", where, "-w", "score = 30", "--count", env=env).stdout == "2\n"
    none = lq("find", "Game", "-w", where, "-w", "score gt 99", env=env)
    assert (none.status, none.stdout, none.stderr) == (0, "", "")
    strict = lq("find", "Game", "-w", where, "-w", "score gt 99", "--exit-status", env=env)
    assert (strict.status, strict.stdout) == (1, "")
    zero = lq("find", "Game", "-w", where, "-w", "score gt 99", "--count", "--exit-status", env=env)
    assert (zero.status, zero.stdout) == (1, "0\n")
    found = lq("find", "Game", "-w", where, "--exit-status", "-t", "{id}", env=env)
    assert found.status == 0
    assert len(found.stdout.splitlines()) == 4


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--where", "score >>> 1"], "lq: error:"),
        (["--count", "--json"], "--count prints a number: it cannot be used with --json"),
        (["--limit", "-1"], "--limit cannot be negative"),
        (["--page-size", "0"], "--page-size must be at least 1"),
        (["--order", "a,,b"], "--order: empty name"),
        (["--json", "-o", "raw"], "mutually exclusive"),
        (["--template", "{nope}"], "unknown field 'nope'"),
    ],
)
def test_usage_errors_exit_2_before_any_request(args: list[str], message: str) -> None:
    # Port 9 (discard) is never asked: a usage error costs no connection attempt.
    env = {"LQ_SERVER_URL": "http://127.0.0.1:9/parse", "LQ_APP_ID": "app"}
    result = lq("find", "Game", *args, env=env)
    assert result.status == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_refused_keys_exit_4_and_no_server_exits_3(lq_server: ServerHandle) -> None:
    refused = lq("find", "Game", env={**_env(lq_server), "LQ_JS_KEY": "wrong"})
    assert refused.status == 4, refused.stderr
    assert refused.stderr.startswith("lq: error: refused by the server")
    unreachable = lq("find", "Game", env={"LQ_SERVER_URL": "http://127.0.0.1:9/parse",
                                          "LQ_APP_ID": "x"})  # fmt: skip
    assert unreachable.status == 3, unreachable.stderr


def test_a_rejected_query_exits_2(lq_server: ServerHandle) -> None:
    result = lq("find", "Game", "--where-json", '{"score": {"$regex": "("}}', env=_env(lq_server))
    assert result.status == 2, result.stderr


class _ClosingReader:
    """A stdout whose reader goes away after ``lines`` lines, noting the requests made by then."""

    def __init__(self, requests: list[int], lines: int) -> None:
        self._requests = requests
        self._lines = lines
        self.seen = 0
        self.requests_at_first_write: int | None = None
        self.writes_after_close = 0

    def write(self, data: bytes) -> int:
        if self.requests_at_first_write is None:
            self.requests_at_first_write = len(self._requests)
        if self.seen >= self._lines:
            self.writes_after_close += 1
            raise BrokenPipeError(32, "Broken pipe")
        self.seen += data.count(b"\n")
        return len(data)

    def flush(self) -> None:
        pass


@pytest.fixture
def counted_requests(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every ``RestClient.find`` call, by the number of objects it returned."""
    calls: list[int] = []
    original = RestClient.find

    async def find(self: RestClient, *args: Any, **kwargs: Any) -> Any:
        page = await original(self, *args, **kwargs)
        calls.append(len(page))
        return page

    monkeypatch.setattr(RestClient, "find", find)
    return calls


@pytest.mark.parametrize("order", [[], ["--order", "-score"]])
def test_pages_are_streamed_and_a_closed_stdout_stops_the_paging(
    lq_server: ServerHandle, unique_tag: str, counted_requests: list[int], order: list[str]
) -> None:
    _create(lq_server, unique_tag, [{"score": n % 7} for n in range(250)])
    args = ["find", "Game", "-w", f"tag = {unique_tag}", "--page-size", "10", "--json", *order]

    # The whole set: 25 full pages, then an empty one; nothing held back.
    full = lq(*args, env=_env(lq_server))
    assert full.status == 0
    assert len(full.stdout.splitlines()) == 250
    assert counted_requests == [10] * 25 + [0]
    ids = [json.loads(line)["id"] for line in full.stdout.splitlines()]
    assert len(set(ids)) == 250

    # The first page is printed after one request; the reader leaves after 30 lines
    # (3 pages), and no page is asked for after the write that failed.
    counted_requests.clear()
    reader = _ClosingReader(counted_requests, lines=30)
    variables = {**_env(lq_server), "LQ_CONFIG_DIR": os.environ["LQ_CONFIG_DIR"]}
    env = Environment(stdout_bytes=reader, env=variables)
    status = run(args, env)
    assert status == 0, env.stderr.getvalue()
    assert reader.requests_at_first_write == 1
    assert reader.writes_after_close == 1
    assert counted_requests == [10, 10, 10, 10]


def test_head_stops_the_paging_and_lq_exits_0(lq_server: ServerHandle, unique_tag: str) -> None:
    _create(lq_server, unique_tag, [{"score": n} for n in range(300)])
    cmd = [sys.executable, "-m", "livequery_cli", "find", "Game", "-w", f"tag = {unique_tag}",
           "--page-size", "5", "--json"]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **_env(lq_server)},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    assert json.loads(first)["kind"] == "object"
    proc.stdout.close()  # `| head -1`
    assert proc.wait(timeout=30) == 0
    assert proc.stderr is not None
    assert proc.stderr.read() == b""
    proc.stderr.close()


@pytest.mark.parse_server
def test_include_is_passed_to_the_server(parse_server: ServerHandle, unique_tag: str) -> None:
    from support.rest_writer import pointer

    player = parse_server.rest.create("FindPlayer", {"tag": unique_tag, "name": "ada"}, master=True)
    parse_server.rest.create(
        "FindGame",  # classes of its own: the shared server's Game.player is a String
        {"tag": unique_tag, "player": pointer("FindPlayer", player["objectId"])},
        master=True,
    )
    where = f"tag = {unique_tag}"
    plain = lq("find", "FindGame", "-w", where, "-o", "raw", env=_env(parse_server))
    included = lq("find", "FindGame", "-w", where, "-o", "raw", "--include", "player",
                  env=_env(parse_server))  # fmt: skip
    assert plain.status == included.status == 0, plain.stderr + included.stderr
    assert "name" not in json.loads(plain.stdout)["player"]
    assert json.loads(included.stdout)["player"]["name"] == "ada"
