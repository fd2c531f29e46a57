"""The soak's writer: a steady mix of creates, updates and deletes over REST.

A soak that only creates objects makes the tail's result set grow without
bound, and then "memory over time" measures the result set, not leaks. So
once the live set (objects created and not yet deleted) reaches
``live_set`` objects, the writer repeats *create, update, delete, update*:
creates and deletes balance, the set stays near its size, and half the
events are updates (of one of the ``RECENT`` newest objects, the way an
application mostly touches fresh data). Deletes take the oldest object.

Every write produces exactly one event on the tail's query (``tag`` never
changes), and no object has two writes in flight at once, so the events of
one object come in the order the writes were made and each update has its
own ``updatedAt``.

Pacing is by the clock: ``rate`` writes per second, with at most
``MAX_BACKLOG_S`` of backlog. A server slower than the rate is not chased
forever (that made an earlier version of this loop run past its end, since
the number of writes due kept growing faster than it could send them): the
schedule slips instead, and the achieved rate is what gets reported. Every
request has a timeout, so every phase of the writer ends.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiohttp

from bench.soak_ledger import CREATE, DELETE, UPDATE, Ledger

CLASS = "Bench"
RECENT = 1000
MAX_BACKLOG_S = 1.0
TICK_S = 0.02
_PATTERN = (CREATE, UPDATE, DELETE, UPDATE)


@dataclass
class Write:
    seq: int
    op: int
    oid: str | None
    body: dict[str, Any] | None


class WriteMix:
    """Chooses each write so that the live set stays near ``live_set`` objects."""

    def __init__(self, ledger: Ledger, tag: str, live_set: int, seed: int = 7) -> None:
        self._ledger = ledger
        self.tag = tag
        self._live_set = live_set
        self._order: deque[str] = deque()
        """Live objects whose create was confirmed, oldest first."""
        self._busy: set[str] = set()
        self._creating = 0
        self._step = 0
        self._random = random.Random(seed)

    @property
    def live(self) -> int:
        return len(self._order)

    def next(self) -> Write:
        op = CREATE
        if len(self._order) + self._creating >= self._live_set:
            op = _PATTERN[self._step % len(_PATTERN)]
            self._step += 1
        oid = None
        if op == DELETE:
            oid = self._oldest_idle()
            op = DELETE if oid is not None else UPDATE
        if op == UPDATE:
            oid = self._recent_idle()
            op = UPDATE if oid is not None else CREATE
        seq = self._ledger.planned(op, oid)
        if op == CREATE:
            self._creating += 1
            return Write(seq, op, None, {"tag": self.tag, "seq": seq})
        assert oid is not None
        self._busy.add(oid)
        return Write(seq, op, oid, {"seq": seq} if op == UPDATE else None)

    def settled(self, write: Write, ok: bool, oid: str | None) -> None:
        if write.op == CREATE:
            self._creating -= 1
            if ok and oid is not None:
                self._order.append(oid)
        elif write.oid is not None:
            self._busy.discard(write.oid)

    def _oldest_idle(self) -> str | None:
        if self._order and self._order[0] not in self._busy:
            return self._order.popleft()
        return None

    def _recent_idle(self) -> str | None:
        size = len(self._order)
        for _ in range(5):
            if not size:
                return None
            oid = self._order[-1 - self._random.randrange(min(size, RECENT))]
            if oid not in self._busy:
                return oid
        return None


class RestWriter:
    """Sends the mix at a steady rate: ``/batch`` requests, or one request per write.

    ``batch``: up to ``batch_size`` writes per ``POST /batch`` (``lq serve``);
    otherwise one request per write (Parse Server 9.10 on the test rig
    answered ``/batch`` with an internal error). ``in_flight`` bounds the
    requests open at once.
    """

    def __init__(
        self,
        server: Any,
        ledger: Ledger,
        mix: WriteMix,
        *,
        batch: bool,
        timeout: float,
        in_flight: int,
        batch_size: int = 50,
    ) -> None:
        self._server = server
        self._ledger = ledger
        self._mix = mix
        self._batch = batch
        self._timeout = timeout
        self._in_flight = in_flight
        self._batch_size = batch_size if batch else 1
        self._mount = "/" + server.rest_url.split("/", 3)[3]
        self.slipped_s = 0.0
        """How far the schedule slipped behind the clock (the server was slower)."""
        self.began = 0.0
        self.ended = 0.0
        self._until = 0.0

    def stop(self) -> None:
        """End the writing now (the answers still in flight are awaited, bounded)."""
        self._until = 0.0

    async def run(self, rate: int, until: float) -> None:
        """Write until ``until`` (monotonic), then wait (bounded) for the answers."""
        self.began = time.monotonic()
        self._until = until
        slots = asyncio.Semaphore(self._in_flight)
        tasks: set[asyncio.Task[None]] = set()
        try:
            async with self._session() as http:
                try:
                    await self._pace(http, slots, tasks, rate)
                finally:
                    for task in tasks:
                        task.cancel()
        finally:
            self.ended = self.ended or time.monotonic()

    def _session(self) -> aiohttp.ClientSession:
        headers = {
            "X-Parse-Application-Id": self._server.app_id,
            "X-Parse-Master-Key": self._server.master_key,
            "Content-Type": "application/json",
        }
        return aiohttp.ClientSession(
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            connector=aiohttp.TCPConnector(limit=self._in_flight),
        )

    async def _pace(
        self,
        http: aiohttp.ClientSession,
        slots: asyncio.Semaphore,
        tasks: set[asyncio.Task[None]],
        rate: int,
    ) -> None:
        issued = 0
        backlog = int(rate * MAX_BACKLOG_S)
        while time.monotonic() < self._until:
            due = int((time.monotonic() - self.began - self.slipped_s) * rate)
            if due - issued > backlog:
                self.slipped_s += (due - issued - backlog) / rate
                due = issued + backlog
            while issued < due and time.monotonic() < self._until:
                try:
                    await asyncio.wait_for(slots.acquire(), self._until - time.monotonic())
                except TimeoutError:
                    break
                size = min(self._batch_size, due - issued)
                writes = [self._mix.next() for _ in range(size)]
                issued += size
                task = asyncio.create_task(self._send(http, writes, slots))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(TICK_S)
        self.ended = time.monotonic()
        if tasks:
            # Every request has its own timeout; this bound is a second fence.
            _, late = await asyncio.wait(tasks, timeout=self._timeout + 5)
            for task in late:
                task.cancel()

    async def _send(
        self, http: aiohttp.ClientSession, writes: list[Write], slots: asyncio.Semaphore
    ) -> None:
        try:
            if self._batch:
                answers = await self._post_batch(http, writes)
            else:
                answers = [await self._request_one(http, writes[0])]
        finally:
            slots.release()
        done = time.monotonic()
        for write, answer in zip(writes, answers, strict=True):
            oid = answer.get("objectId") if answer is not None else None
            oid = oid if isinstance(oid, str) else None
            if answer is None:
                self._ledger.answered_failed(write.seq, done)
            else:
                self._ledger.answered_ok(write.seq, done, oid)
            self._mix.settled(write, answer is not None, oid)

    def _call(self, write: Write) -> tuple[str, str]:
        path = f"{self._mount}/classes/{CLASS}"
        if write.op == CREATE:
            return "POST", path
        return ("PUT" if write.op == UPDATE else "DELETE"), f"{path}/{write.oid}"

    async def _request_one(
        self, http: aiohttp.ClientSession, write: Write
    ) -> dict[str, Any] | None:
        method, path = self._call(write)
        url = self._server.rest_url.rsplit(self._mount, 1)[0] + path
        try:
            async with http.request(method, url, json=write.body) as response:
                if response.status not in (200, 201):
                    return None
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None
        return answer if isinstance(answer, dict) else {}

    async def _post_batch(
        self, http: aiohttp.ClientSession, writes: list[Write]
    ) -> list[dict[str, Any] | None]:
        requests = []
        for write in writes:
            method, path = self._call(write)
            call: dict[str, Any] = {"method": method, "path": path}
            if write.body is not None:
                call["body"] = write.body
            requests.append(call)
        failed: list[dict[str, Any] | None] = [None] * len(writes)
        try:
            async with http.post(
                f"{self._server.rest_url}/batch", json={"requests": requests}
            ) as response:
                if response.status != 200:
                    return failed
                answers = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return failed
        if not isinstance(answers, list) or len(answers) != len(writes):
            return failed
        return [
            a["success"] if isinstance(a, dict) and isinstance(a.get("success"), dict) else None
            for a in answers
        ]
