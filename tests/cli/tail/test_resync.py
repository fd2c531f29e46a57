"""``lq tail`` snapshot, resync, --until and several queries against real servers.

The snapshot and resync proofs run against Parse Server 9 and ``lq serve``
(the ``server`` fixture); the rest against Parse Server. The picture ``lq``
reports (from its NDJSON stream: snapshot records, then events, synthetic
ones included) must equal the server's ``find`` exactly, whatever the writes
raced with: the initial find, or a server crash.
"""

from __future__ import annotations

import json
import random
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from support.lq_process import LqProcess
from support.parse_server import ParseServer
from support.waiting import Deadline

WAIT_S = 60.0


@pytest.fixture
def lq() -> Iterator[Any]:
    """``lq(server, *args)``: an ``lq`` child process pointed at ``server``."""
    started: list[LqProcess] = []

    def start(node: Any, *args: str, **env: str) -> LqProcess:
        base = {
            "LQ_SERVER_URL": node.rest_url,
            "LQ_APP_ID": node.app_id,
            "LQ_JS_KEY": node.js_key,
            **env,
        }
        proc = LqProcess(args, env=base)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.close()


class Picture:
    """The result set as lq's NDJSON stream describes it."""

    def __init__(self, proc: LqProcess) -> None:
        self.proc = proc
        self.members: dict[str, dict[str, Any]] = {}
        self.records: list[dict[str, Any]] = []

    def read_until(self, predicate: Any, timeout: float = WAIT_S) -> dict[str, Any]:
        deadline = Deadline(timeout)
        while True:
            remaining = deadline.remaining(f"a record; last records {self.records[-5:]}")
            (line,) = self.proc.read_stdout(1, timeout=remaining)
            record = json.loads(line)
            self.records.append(record)
            self.apply(record)
            if predicate(record):
                return record

    def apply(self, record: dict[str, Any]) -> None:
        if record["kind"] == "status":
            return
        if record["kind"] == "snapshot" or record["op"] in ("create", "enter", "update"):
            self.members[record["id"]] = record["object"]
        elif record["op"] in ("leave", "delete"):
            self.members.pop(record["id"], None)


def server_ids(server: Any, tag: str) -> set[str]:
    results = server.rest.find("Game", _where(tag), limit=1000)
    return {obj["objectId"] for obj in results}


def _where(tag: str) -> dict[str, Any]:
    return {"tag": tag, "score": {"$gt": 50}}


def _expr(tag: str) -> list[str]:
    return ["--where", f"tag = {tag}", "--where", "score gt 50"]


class Writer:
    """Seeded random writes moving objects across ``score > 50``."""

    def __init__(self, server: Any, tag: str, seed: int) -> None:
        self.server = server
        self.tag = tag
        self.rng = random.Random(seed)
        self.ids: list[str] = []

    def step(self) -> None:
        rest, rng = self.server.rest, self.rng
        choice = rng.random()
        if not self.ids or choice < 0.3:
            obj = rest.create("Game", {"tag": self.tag, "score": rng.randint(0, 100)})
            self.ids.append(obj["objectId"])
        elif choice < 0.85:
            rest.update("Game", rng.choice(self.ids), {"score": rng.randint(0, 100)})
        else:
            oid = self.ids.pop(rng.randrange(len(self.ids)))
            rest.delete("Game", oid)

    def run(self, steps: int) -> None:
        for _ in range(steps):
            self.step()


def test_snapshot_with_writes_racing_the_initial_find(
    lq: Any, server: Any, unique_tag: str
) -> None:
    parse_server = server
    writer = Writer(server, unique_tag, seed=1)
    writer.run(30)
    racing = threading.Thread(target=writer.run, args=(60,))
    racing.start()
    proc = lq(server, "tail", "Game", *_expr(unique_tag), "--snapshot", "--json", "--status-events")
    picture = Picture(proc)
    synced = picture.read_until(lambda r: r.get("state") == "synced")
    assert synced["sub"] == 0
    racing.join(timeout=WAIT_S)
    marker = parse_server.rest.create("Game", {"tag": unique_tag, "score": 99, "marker": True})
    picture.read_until(lambda r: r.get("id") == marker["objectId"])
    assert set(picture.members) == server_ids(parse_server, unique_tag)
    snapshot_ids = [r["id"] for r in picture.records if r["kind"] == "snapshot"]
    assert len(snapshot_ids) == len(set(snapshot_ids))
    proc.signal(signal.SIGINT)
    assert proc.wait() == 130


@pytest.mark.parametrize(("seed", "snapshot"), [(7, True), (8, False)])
def test_resync_after_each_restart_leaves_the_picture_exact(
    lq: Any, server: Any, unique_tag: str, seed: int, snapshot: bool
) -> None:
    """With ``--snapshot``, and with the default (resync on, silent first load)."""
    parse_server = server
    writer = Writer(server, unique_tag, seed=seed)
    flags = ["--snapshot"] if snapshot else []
    if snapshot:
        writer.run(15)
    proc = lq(server, "tail", "Game", *_expr(unique_tag), *flags, "--json", "--status-events")
    picture = Picture(proc)
    picture.read_until(lambda r: r.get("state") == "synced")
    writer.run(10)  # live writes before the first crash
    for _ in range(3):
        parse_server.kill()
        parse_server.restart()
        writer.run(15)  # these writes happen while lq is away or reconnecting
        picture.read_until(lambda r: r.get("state") == "resynced")
        writer.run(5)  # live writes after the resync
        marker = parse_server.rest.create("Game", {"tag": unique_tag, "score": 98})
        writer.ids.append(marker["objectId"])
        picture.read_until(lambda r, m=marker["objectId"]: r.get("id") == m)
        assert set(picture.members) == server_ids(parse_server, unique_tag)
    synthetic = [r for r in picture.records if r.get("synthetic")]
    assert synthetic, "the writes during the gaps must show as synthetic events"
    assert all(r["op"] in ("enter", "update", "leave") for r in synthetic)
    stderr = proc.wait_stderr("resynced")
    assert stderr.startswith("lq: reconnected after ")


@pytest.mark.parse_server
def test_until_exits_zero_at_the_first_match(
    lq: Any, parse_server: ParseServer, unique_tag: str
) -> None:
    job = parse_server.rest.create("Job", {"tag": unique_tag, "status": "running"})
    proc = lq(
        parse_server, "tail", "Job", "--where", f"tag = {unique_tag}", "--until", "status = done",
        "--exit-status", "--timeout", "30s", "-o", "raw",
    )  # fmt: skip
    proc.wait_stderr("subscribed")
    parse_server.rest.update("Job", job["objectId"], {"status": "queued"})
    parse_server.rest.update("Job", job["objectId"], {"status": "done"})
    assert proc.wait() == 0
    lines = [json.loads(line) for line in proc.read_stdout(2)]
    assert [line["status"] for line in lines] == ["queued", "done"]


@pytest.mark.parse_server
def test_until_with_snapshot_matches_an_object_already_done(
    lq: Any, parse_server: ParseServer, unique_tag: str
) -> None:
    parse_server.rest.create("Job", {"tag": unique_tag, "status": "done"})
    proc = lq(
        parse_server, "tail", "Job", "--where", f"tag = {unique_tag}", "--until", "status = done",
        "--snapshot", "--timeout", "30s", "--json",
    )  # fmt: skip
    assert proc.wait() == 0
    (line,) = proc.read_stdout(1)
    assert json.loads(line)["kind"] == "snapshot"


@pytest.mark.parametrize(("flags", "status"), [([], 124), (["--exit-status"], 1)])
@pytest.mark.parse_server
def test_until_without_a_match(
    lq: Any, parse_server: ParseServer, unique_tag: str, flags: list[str], status: int
) -> None:
    proc = lq(
        parse_server, "tail", "Job", "--where", f"tag = {unique_tag}", "--until", "status = done",
        "--timeout", "2s", *flags,
    )  # fmt: skip
    proc.wait_stderr("subscribed")
    assert proc.wait() == status


@pytest.mark.parse_server
def test_several_queries_on_one_connection(
    lq: Any, parse_server: ParseServer, unique_tag: str
) -> None:
    proc = lq(
        parse_server, "tail", "Game", "--where", f"tag = {unique_tag}",
        "--also", "Player", "--where", f"tag = {unique_tag}", "--where", "online = true",
        "--also", f"Item where tag = {unique_tag}", "--json",
    )  # fmt: skip
    proc.wait_stderr("subscribed to Item")
    parse_server.rest.create("Player", {"tag": unique_tag, "online": False})
    parse_server.rest.create("Game", {"tag": unique_tag, "score": 1})
    parse_server.rest.create("Player", {"tag": unique_tag, "online": True})
    parse_server.rest.create("Item", {"tag": unique_tag})
    records = [json.loads(line) for line in proc.read_stdout(3)]
    assert [(r["sub"], r["class"]) for r in records] == [(0, "Game"), (1, "Player"), (2, "Item")]
    assert records[1]["object"]["online"] is True
    stderr = proc.stderr_seen
    assert sum("connected to" in line for line in stderr) == 1


@pytest.mark.parse_server
def test_a_query_file_lists_several_queries(
    lq: Any, parse_server: ParseServer, unique_tag: str, tmp_path: Any
) -> None:
    spec = tmp_path / "queries.json"
    spec.write_text(
        json.dumps(
            [
                {"className": "Game", "where": {"tag": unique_tag}},
                {"className": "Player", "where": {"tag": unique_tag}, "keys": ["tag"]},
            ]
        )
    )
    proc = lq(parse_server, "tail", "Game", "--query-file", str(spec), "--json")
    proc.wait_stderr("subscribed to Player")
    parse_server.rest.create("Player", {"tag": unique_tag, "online": True})
    parse_server.rest.create("Game", {"tag": unique_tag, "score": 3})
    records = [json.loads(line) for line in proc.read_stdout(2)]
    assert [(r["sub"], r["class"]) for r in records] == [(1, "Player"), (0, "Game")]
    assert "online" not in records[0]["object"]  # the file's keys apply to its query


@pytest.mark.parse_server
def test_since_starts_with_the_objects_changed_since_then(
    lq: Any, parse_server: ParseServer, unique_tag: str
) -> None:
    old = parse_server.rest.create("Game", {"tag": unique_tag, "score": 1})
    cut = parse_server.rest.create("Game", {"tag": unique_tag, "score": 2})
    recent = parse_server.rest.create("Game", {"tag": unique_tag, "score": 3})
    parse_server.rest.update("Game", old["objectId"], {"score": 4})  # changed after the cut
    proc = lq(
        parse_server, "tail", "Game", "--where", f"tag = {unique_tag}",
        "--since", cut["updatedAt"], "--json", "--status-events",
    )  # fmt: skip
    picture = Picture(proc)
    picture.read_until(lambda r: r.get("state") == "synced")
    snapshot = {r["id"] for r in picture.records if r["kind"] == "snapshot"}
    assert snapshot == {cut["objectId"], recent["objectId"], old["objectId"]}
    proc.signal(signal.SIGINT)
    assert proc.wait() == 130


@pytest.mark.parse_server
def test_since_leaves_out_objects_unchanged_since_then(
    lq: Any, parse_server: ParseServer, unique_tag: str
) -> None:
    parse_server.rest.create("Game", {"tag": unique_tag, "score": 1})
    later = parse_server.rest.create("Game", {"tag": unique_tag, "score": 2})
    proc = lq(
        parse_server, "tail", "Game", "--where", f"tag = {unique_tag}",
        "--since", later["updatedAt"], "--json", "--status-events",
    )  # fmt: skip
    picture = Picture(proc)
    synced = picture.read_until(lambda r: r.get("state") == "synced")
    assert synced["count"] == 1
    assert [r["id"] for r in picture.records if r["kind"] == "snapshot"] == [later["objectId"]]
    proc.signal(signal.SIGINT)
    assert proc.wait() == 130


@pytest.mark.parse_server
def test_stats_report_rates_at_exit(lq: Any, parse_server: ParseServer, unique_tag: str) -> None:
    proc = lq(
        parse_server, "tail", "Game", "--where", f"tag = {unique_tag}", "--stats",
        "--count", "3", "-o", "raw",
    )  # fmt: skip
    proc.wait_stderr("subscribed")
    for score in range(3):
        parse_server.rest.create("Game", {"tag": unique_tag, "score": score})
    assert proc.wait() == 0
    line = proc.wait_stderr("stats (total)")
    assert "create " in line
    assert ", 3 events, 0 reconnects, 0 resyncs" in line


@pytest.mark.parse_server
def test_no_resync_reports_nothing_after_a_restart(
    lq: Any, parse_server: ParseServer, unique_tag: str
) -> None:
    proc = lq(
        parse_server, "tail", "Game", "--where", f"tag = {unique_tag}", "--no-resync",
        "--json", "--status-events",
    )  # fmt: skip
    picture = Picture(proc)
    picture.read_until(lambda r: r.get("state") == "connected")
    proc.wait_stderr("subscribed")
    parse_server.kill()
    parse_server.restart()
    parse_server.rest.create("Game", {"tag": unique_tag, "score": 5})  # likely in the gap
    picture.read_until(lambda r: r.get("state") == "connected")
    marker = parse_server.rest.create("Game", {"tag": unique_tag, "score": 6})
    picture.read_until(lambda r: r.get("id") == marker["objectId"])
    assert not any(r.get("synthetic") or r.get("state") == "resynced" for r in picture.records)
