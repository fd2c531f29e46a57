"""Password hashing and guessing against ``lq serve``.

scrypt runs in worker threads, so logins (alone or batched) never stop the
server: ``/health`` answers within 200 ms while 200 logins are checked. A
batch holds at most 20 logins, sign-ups and password changes (without the
master key). Failed logins are throttled per username and per client
address, with Parse Server's rate-limit answer: HTTP 429,
``{"code": 100, "error": "Too many requests."}``; the same test runs against
Parse Server 9 with its ``rateLimit`` on ``/login`` to show the answer is the
same. Loopback only; every loop is bounded.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
from support.lq_server import LqServer
from support.parse_server import ParseServer

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.server.server_config import (
    DEFAULT_LOGIN_FAILURES_PER_ADDRESS,
    DEFAULT_LOGIN_FAILURES_PER_USERNAME,
)

HEALTH_BUDGET_S = 0.2
LOGIN_BATCHES = 10
LOGINS_PER_BATCH = 20
REQUEST_TIMEOUT_S = 60.0
TOO_MANY = {"code": ErrorCode.CONNECTION_FAILED, "error": "Too many requests."}


class _Client:
    def __init__(self, server: LqServer | ParseServer, session: aiohttp.ClientSession) -> None:
        self.server = server
        self.session = session

    async def call(
        self, method: str, path: str, body: Any = None, *, master: bool = False
    ) -> tuple[int, Any]:
        headers = {
            "X-Parse-Application-Id": self.server.app_id,
            "X-Parse-REST-API-Key": self.server.rest_key,
            "Content-Type": "application/json",
        }
        if master:
            headers["X-Parse-Master-Key"] = self.server.master_key
        async with self.session.request(
            method,
            f"{self.server.rest_url}/{path}",
            data=None if body is None else orjson.dumps(body),
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
        ) as response:
            raw = await response.read()
            return response.status, orjson.loads(raw) if raw else None

    async def login(self, username: str, password: str) -> tuple[int, Any]:
        return await self.call("POST", "login", {"username": username, "password": password})

    async def sign_up(self, password: str) -> str:
        username = f"u-{secrets.token_hex(4)}"
        status, answer = await self.call(
            "POST", "users", {"username": username, "password": password}
        )
        assert status == 201, answer
        return username


@pytest.fixture
async def client(lq_server_factory: Any) -> AsyncIterator[_Client]:
    server: LqServer = lq_server_factory()
    async with aiohttp.ClientSession() as session:
        yield _Client(server, session)


async def _health_seconds(client: _Client) -> float:
    started = time.monotonic()
    status, answer = await client.call("GET", "health")
    assert status == 200, answer
    return time.monotonic() - started


async def _probe_while(client: _Client, work: asyncio.Future[Any]) -> list[float]:
    """``/health`` round trips, one after another, for as long as ``work`` runs (bounded)."""
    seconds: list[float] = []
    deadline = time.monotonic() + REQUEST_TIMEOUT_S
    while not work.done() and time.monotonic() < deadline:
        seconds.append(await _health_seconds(client))
    return seconds


async def test_logins_are_checked_off_the_event_loop(client: _Client) -> None:
    username = await client.sign_up("right")
    login = {"method": "POST", "path": "/parse/login",
             "body": {"username": username, "password": "right"}}  # fmt: skip
    batches = asyncio.gather(
        *(
            client.call("POST", "batch", {"requests": [login] * LOGINS_PER_BATCH})
            for _ in range(LOGIN_BATCHES)
        )
    )
    probes = await _probe_while(client, batches)
    answers = await batches
    assert all(status == 200 for status, _ in answers), answers[0]
    assert all("success" in one for _, batch in answers for one in batch)
    assert probes, "the logins finished before /health could be asked once"
    slowest = max(probes)
    assert slowest < HEALTH_BUDGET_S, (
        f"/health took up to {slowest:.3f} s while {LOGIN_BATCHES * LOGINS_PER_BATCH} "
        f"logins were checked ({len(probes)} probes)"
    )


async def test_a_batch_of_200_logins_is_refused_whole(client: _Client) -> None:
    username = await client.sign_up("right")
    login = {"method": "POST", "path": "/parse/login",
             "body": {"username": username, "password": "guess"}}  # fmt: skip
    work = asyncio.ensure_future(client.call("POST", "batch", {"requests": [login] * 200}))
    probes = await _probe_while(client, work)
    status, answer = await work
    assert status == 400, answer
    assert answer["code"] == ErrorCode.INVALID_JSON
    assert "at most 20" in answer["error"]
    assert max(probes, default=0.0) < HEALTH_BUDGET_S, probes
    # Nothing ran: no failure was counted, so the right password still works.
    status, answer = await client.login(username, "right")
    assert status == 200, answer


async def test_the_master_key_may_batch_many_sign_ups(client: _Client) -> None:
    users = [
        {"method": "POST", "path": "/parse/users",
         "body": {"username": f"seed-{i}-{secrets.token_hex(3)}", "password": "pw"}}
        for i in range(25)
    ]  # fmt: skip
    status, answer = await client.call("POST", "batch", {"requests": users}, master=True)
    assert status == 200, answer
    assert all("success" in one for one in answer)
    status, answer = await client.call("POST", "batch", {"requests": users})
    assert status == 400, answer


async def test_failed_logins_are_throttled_per_username(client: _Client) -> None:
    victim = await client.sign_up("right")
    bystander = await client.sign_up("other")
    for _ in range(DEFAULT_LOGIN_FAILURES_PER_USERNAME):
        status, answer = await client.login(victim, "guess")
        assert (status, answer["code"]) == (404, ErrorCode.OBJECT_NOT_FOUND), answer
    # Further guesses (even the right password, and in another letter case) are refused unseen.
    for attempt in ("guess", "right"):
        status, answer = await client.login(victim.upper(), attempt)
        assert (status, answer) == (429, TOO_MANY)
    status, answer = await client.login(victim, "right")
    assert (status, answer) == (429, TOO_MANY)
    # Another user from the same address is not locked out by the victim's count.
    status, answer = await client.login(bystander, "other")
    assert status == 200, answer


async def test_failed_logins_are_throttled_per_address(client: _Client) -> None:
    username = await client.sign_up("right")
    for i in range(DEFAULT_LOGIN_FAILURES_PER_ADDRESS):
        status, answer = await client.login(f"nobody-{i}", "guess")
        assert status == 404, answer
    status, answer = await client.login(username, "right")
    assert (status, answer) == (429, TOO_MANY)


async def test_throttling_applies_inside_a_batch(client: _Client) -> None:
    username = await client.sign_up("right")
    guess = {"method": "POST", "path": "/parse/login",
             "body": {"username": username, "password": "guess"}}  # fmt: skip
    status, answers = await client.call("POST", "batch", {"requests": [guess] * 15})
    assert status == 200, answers
    codes = [one["error"]["code"] for one in answers]
    limit = DEFAULT_LOGIN_FAILURES_PER_USERNAME
    assert codes == [ErrorCode.OBJECT_NOT_FOUND] * limit + [ErrorCode.CONNECTION_FAILED] * (
        15 - limit
    )
    assert answers[-1]["error"] == TOO_MANY


async def test_a_successful_login_clears_the_username_count(client: _Client) -> None:
    username = await client.sign_up("right")
    for _ in range(3):
        for _ in range(DEFAULT_LOGIN_FAILURES_PER_USERNAME - 1):
            status, _answer = await client.login(username, "typo")
            assert status == 404
        status, answer = await client.login(username, "right")
        assert status == 200, answer


@pytest.mark.parametrize("kind", [pytest.param("parse", marks=pytest.mark.parse_server), "lq"])
async def test_the_throttled_answer_is_parse_servers(
    kind: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After ``limit`` wrong logins from one address, both servers answer 429 the same way.

    Parse Server counts every ``/login`` request per address (its ``rateLimit``
    option, set up by the rig); ``lq serve`` counts failures per username and
    per address. With wrong passwords only, both refuse the next one alike.
    """
    limit = 3
    server: LqServer | ParseServer
    if kind == "parse":
        parse_env = ParseServer._env
        monkeypatch.setattr(
            ParseServer,
            "_env",
            lambda self: {**parse_env(self), "LQ_RIG_LOGIN_RATE_LIMIT": str(limit)},
        )
        server = request.getfixturevalue("parse_server_factory")()
    else:
        lq_env = LqServer.env
        monkeypatch.setattr(
            LqServer,
            "env",
            lambda self: {**lq_env(self), "LQ_SERVE_LOGIN_FAILURES_PER_USERNAME": str(limit)},
        )
        server = request.getfixturevalue("lq_server_factory")()
    async with aiohttp.ClientSession() as session:
        client = _Client(server, session)
        username = await client.sign_up("right")
        for _ in range(limit):
            status, answer = await client.login(username, "guess")
            assert (status, answer) == (
                404,
                {"code": ErrorCode.OBJECT_NOT_FOUND, "error": "Invalid username/password."},
            )
        status, answer = await client.login(username, "right")
        assert (status, answer) == (429, TOO_MANY)


async def test_verify_password_is_throttled_with_logins(client: _Client) -> None:
    """``verifyPassword`` checks a password too: it counts toward, and obeys, the same limits."""
    username = await client.sign_up("right")
    half = DEFAULT_LOGIN_FAILURES_PER_USERNAME // 2
    for _ in range(half):
        status, _answer = await client.login(username, "guess")
        assert status == 404
    for _ in range(DEFAULT_LOGIN_FAILURES_PER_USERNAME - half):
        status, answer = await client.call(
            "POST", "verifyPassword", {"username": username, "password": "guess"}
        )
        assert (status, answer["code"]) == (404, ErrorCode.OBJECT_NOT_FOUND), answer
    status, answer = await client.call(
        "POST", "verifyPassword", {"username": username, "password": "right"}
    )
    assert (status, answer) == (429, TOO_MANY)
    status, answer = await client.login(username, "right")
    assert (status, answer) == (429, TOO_MANY)
