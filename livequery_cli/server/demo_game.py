"""``lq demo``: an embedded server with a game being played in it.

:class:`DemoWriter` plays a small game: players whose scores drift up and
down around 100 (so they keep entering and leaving ``score > 100``), new
players joining and others quitting. It writes through the same
:class:`~livequery_cli.server.object_service.ObjectService` the REST API uses,
so every write produces real LiveQuery events. :class:`BackgroundServer`
runs the server and the writer on their own event loop in a thread, which
leaves the main thread to the CLI's ordinary ``lq tail`` machinery, signals
included, exactly as a user would run it against any server.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from typing import Any

from livequery_cli.server.acl import MASTER
from livequery_cli.server.app import EmbeddedServer
from livequery_cli.server.object_service import ObjectService
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.server_config import ServerConfig

CLASS_NAME = "Game"
PLAYER_NAMES = (
    "ada", "grace", "linus", "guido", "barbara", "ken", "margaret", "dennis",
    "edsger", "frances", "alan", "radia", "donald", "sophie", "tim", "hedy",
)  # fmt: skip
MIN_PLAYERS, MAX_PLAYERS = 4, 10
SUBSCRIBER_WAIT_SECONDS = 5.0


class DemoWriter:
    """Writes a changing game into ``Game`` objects: ``player``, ``score``, ``level``."""

    def __init__(self, service: ObjectService, *, seed: int | None = None) -> None:
        self.service = service
        self.rng = random.Random(seed)
        self.players: dict[str, str] = {}  # objectId -> player name
        self.writes = 0

    def _free_name(self) -> str | None:
        taken = set(self.players.values())
        free = [n for n in PLAYER_NAMES if n not in taken]
        return self.rng.choice(free) if free else None

    def join(self) -> None:
        name = self._free_name()
        if name is None:
            return
        score = self.rng.randint(60, 140)
        body, _ = self.service.create(
            CLASS_NAME, {"player": name, "score": score, "level": 1}, MASTER
        )
        self.players[body["objectId"]] = name
        self.writes += 1

    def quit(self) -> None:
        object_id = self.rng.choice(list(self.players))
        del self.players[object_id]
        with contextlib.suppress(ParseApiError):
            self.service.delete(CLASS_NAME, object_id, MASTER)
            self.writes += 1

    def play(self) -> None:
        """Move one player's score by a step that often crosses 100 near the boundary."""
        object_id = self.rng.choice(list(self.players))
        delta = self.rng.choice((5, 10, 15, 20, 30))
        current = self.service.storage.get(CLASS_NAME, object_id) or {}
        score = current.get("score", 100)
        # A random walk pulled back towards 100, so players keep crossing it.
        pull = 0.5 + min(abs(score - 100), 50) / 100
        if (score > 100) == (self.rng.random() < pull):
            delta = -delta
        changes: dict[str, Any] = {"score": {"__op": "Increment", "amount": delta}}
        if self.rng.random() < 0.15:
            changes["level"] = {"__op": "Increment", "amount": 1}
        try:
            body, _ = self.service.update(CLASS_NAME, object_id, changes, MASTER)
        except ParseApiError:
            self.players.pop(object_id, None)
            return
        if body.get("score", 0) < 0 or body.get("score", 0) > 250:
            # Keep the game near the interesting boundary.
            self.service.update(CLASS_NAME, object_id, {"score": 100 + delta}, MASTER)
        self.writes += 1

    def step(self) -> None:
        """One move: mostly score changes, sometimes a player joins or quits."""
        roll = self.rng.random()
        if len(self.players) < MIN_PLAYERS or (roll < 0.1 and len(self.players) < MAX_PLAYERS):
            self.join()
        elif roll < 0.17 and len(self.players) > MIN_PLAYERS:
            self.quit()
        else:
            self.play()

    async def run(self, interval: float, initial_players: int = 6) -> None:
        for _ in range(initial_players):
            self.join()
        while True:
            await asyncio.sleep(interval * self.rng.uniform(0.5, 1.5))
            self.step()


class BackgroundServer:
    """An :class:`EmbeddedServer` plus a :class:`DemoWriter` on a thread of their own."""

    def __init__(
        self, config: ServerConfig, *, interval: float = 0.5, seed: int | None = None
    ) -> None:
        self.config = config
        self.interval = interval
        self.seed = seed
        self.server: EmbeddedServer | None = None
        self.error: BaseException | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="lq-demo-server", daemon=True)

    def start(self, timeout: float = 10.0) -> EmbeddedServer:
        """Start the server thread; returns once it listens (raises what stopped it)."""
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("the demo server did not start in time")
        if self.error is not None:
            raise self.error
        assert self.server is not None
        return self.server

    def stop(self, timeout: float = 10.0) -> None:
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stop.set)
        self._thread.join(timeout)

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the starting thread
            self.error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self.server = EmbeddedServer(self.config)
        await self.server.start()
        self._ready.set()
        writer = DemoWriter(self.server.service, seed=self.seed)
        writer_task = asyncio.create_task(self._write(writer))
        try:
            await self._stop.wait()
        finally:
            writer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer_task
            await self.server.stop()

    async def _write(self, writer: DemoWriter) -> None:
        """Wait (a bounded time) for the tail to subscribe, so it sees the game from the start."""
        assert self.server is not None
        hub = self.server.hub
        for _ in range(int(SUBSCRIBER_WAIT_SECONDS / 0.05)):
            if hub.groups:
                break
            await asyncio.sleep(0.05)
        await writer.run(self.interval)
