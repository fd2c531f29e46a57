"""How responsive ``lq serve`` stays while it checks passwords, per way of hashing.

``python -m bench.password_hashing [MODE ...]`` starts an in-memory server in
a child process for each MODE, signs up one user, sends 10 concurrent
batches of 20 logins (200 scrypt checks) and, while they run, asks
``/health`` again and again; it prints how long the logins took and the
median, 95th percentile and worst ``/health`` round trip. Modes:
``inline`` (hashing on the event loop, as before it moved off it),
``threads:N`` and ``processes:N`` (a pool of N workers). The default runs
all five that decided the design on a 2-core machine.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import aiohttp
import orjson

APP_ID = "bench-passwords"
BATCHES = 10
LOGINS_PER_BATCH = 20
DEFAULT_MODES = ("inline", "threads:1", "threads:2", "processes:1", "processes:2")


class _Inline(Executor):
    """Runs each call at once in the caller's thread: the event loop, as hashing used to."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # handed to the awaiting caller
            future.set_exception(exc)
        return future


def _executor(mode: str) -> Executor:
    kind, _, count = mode.partition(":")
    if kind == "inline":
        return _Inline()
    if kind == "threads":
        return ThreadPoolExecutor(max_workers=int(count or 1))
    if kind == "processes":
        return ProcessPoolExecutor(max_workers=int(count or 1))
    raise SystemExit(f"unknown mode {mode!r}: inline, threads:N or processes:N")


def _serve(mode: str, ports: Any) -> None:
    from livequery_cli.server.app import EmbeddedServer
    from livequery_cli.server.password_pool import PasswordPool
    from livequery_cli.server.server_config import ServerConfig

    async def main() -> None:
        config = ServerConfig(port=0, db=":memory:", app_id=APP_ID, master_key="bench-" * 4)
        server = EmbeddedServer(config)
        server.router.passwords = PasswordPool(executor=_executor(mode))
        await server.start()
        ports.put(server.port)
        await asyncio.Event().wait()

    asyncio.run(main())


async def _measure(port: int) -> tuple[float, list[float]]:
    url = f"http://127.0.0.1:{port}/parse"
    headers = {"X-Parse-Application-Id": APP_ID, "Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as session:
        username = f"u-{secrets.token_hex(4)}"
        body = orjson.dumps({"username": username, "password": "pw"})
        async with session.post(f"{url}/users", data=body) as response:
            assert response.status == 201, await response.text()
        login = {"method": "POST", "path": "/parse/login",
                 "body": {"username": username, "password": "pw"}}  # fmt: skip
        batch = orjson.dumps({"requests": [login] * LOGINS_PER_BATCH})

        async def one_batch() -> None:
            async with session.post(f"{url}/batch", data=batch) as response:
                await response.read()

        started = time.monotonic()
        work = asyncio.gather(*(one_batch() for _ in range(BATCHES)))
        round_trips: list[float] = []
        while not work.done():
            asked = time.monotonic()
            async with session.get(f"{url}/health") as response:
                await response.read()
            round_trips.append(time.monotonic() - asked)
        await work
        return time.monotonic() - started, sorted(round_trips)


def main(argv: list[str]) -> int:
    for mode in argv or DEFAULT_MODES:
        ports: Any = multiprocessing.Queue()
        child = multiprocessing.Process(target=_serve, args=(mode, ports))
        child.start()
        try:
            seconds, trips = asyncio.run(_measure(ports.get(timeout=30)))
        finally:
            child.terminate()
            child.join()
        p95 = trips[int(len(trips) * 0.95)] if trips else float("nan")
        print(
            f"{mode:12s} {BATCHES * LOGINS_PER_BATCH} logins in {seconds:5.2f} s; "
            f"/health x{len(trips)}: median {statistics.median(trips) * 1000:.1f} ms, "
            f"p95 {p95 * 1000:.1f} ms, worst {trips[-1] * 1000:.1f} ms",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
