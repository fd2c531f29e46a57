"""Small REST / LiveQuery clients for testing an in-process ``lq serve``.

The clients here are deliberately independent of the library's client code
(aiohttp for REST, raw ``websockets`` frames for LiveQuery), so a server test
checks the wire format itself, not our client's reading of it.
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import aiohttp
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect

from livequery_cli.server.app import EmbeddedServer
from livequery_cli.server.server_config import ServerConfig

APP_ID = "test-app"
JS_KEY = "test-js-key"
FRAME_TIMEOUT = 5.0


class RestFailure(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body
        self.code = body.get("code") if isinstance(body, dict) else None


class Rest:
    """A minimal Parse REST client (headers style)."""

    def __init__(self, session: aiohttp.ClientSession, url: str, master_key: str) -> None:
        self.session = session
        self.url = url
        self.master_key = master_key

    async def raw(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        master: bool = False,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        sent = {"X-Parse-Application-Id": APP_ID, "X-Parse-REST-API-Key": JS_KEY}
        if master:
            sent["X-Parse-Master-Key"] = self.master_key
        if token:
            sent["X-Parse-Session-Token"] = token
        if headers is not None:
            sent = headers
        query = {
            k: v if isinstance(v, str) else orjson.dumps(v).decode()
            for k, v in (params or {}).items()
        }
        data = None if body is None else orjson.dumps(body)
        async with self.session.request(
            method, f"{self.url}/{path}", data=data, headers=sent, params=query
        ) as response:
            raw = await response.read()
            return response.status, orjson.loads(raw) if raw else None

    async def __call__(self, method: str, path: str, body: Any = None, **kw: Any) -> Any:
        status, answer = await self.raw(method, path, body, **kw)
        if status >= 400:
            raise RestFailure(status, answer)
        return answer

    async def create(self, class_name: str, fields: dict[str, Any], **kw: Any) -> dict[str, Any]:
        answer: dict[str, Any] = await self("POST", f"classes/{class_name}", fields, **kw)
        return answer

    async def update(self, class_name: str, oid: str, fields: dict[str, Any], **kw: Any) -> Any:
        return await self("PUT", f"classes/{class_name}/{oid}", fields, **kw)

    async def delete(self, class_name: str, oid: str, **kw: Any) -> Any:
        return await self("DELETE", f"classes/{class_name}/{oid}", **kw)

    async def sign_up(self, username: str, password: str = "pw", **fields: Any) -> dict[str, Any]:
        answer: dict[str, Any] = await self(
            "POST", "users", {"username": username, "password": password, **fields}
        )
        return answer

    async def role(self, name: str, users: list[str] = (), roles: list[str] = ()) -> Any:  # type: ignore[assignment]
        body: dict[str, Any] = {"name": name, "ACL": {"*": {"read": True}}}
        if users:
            body["users"] = {
                "__op": "AddRelation",
                "objects": [
                    {"__type": "Pointer", "className": "_User", "objectId": u} for u in users
                ],
            }
        if roles:
            body["roles"] = {
                "__op": "AddRelation",
                "objects": [
                    {"__type": "Pointer", "className": "_Role", "objectId": r} for r in roles
                ],
            }
        return await self("POST", "roles", body, master=True)


class Live:
    """A raw LiveQuery WebSocket: send dicts, receive decoded frames with a timeout."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, frame: Any) -> None:
        await self.ws.send(frame if isinstance(frame, str) else orjson.dumps(frame).decode())

    async def recv(self) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), FRAME_TIMEOUT)
        frame: dict[str, Any] = orjson.loads(raw)
        return frame

    async def expect_silence(self, marker: Live | None = None) -> None:
        """Prove no frame is pending: a ping round-trip orders after any queued frame."""
        pong = await self.ws.ping()
        await asyncio.wait_for(pong, FRAME_TIMEOUT)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(self.ws.recv(), 0.05)

    async def connect(self, **fields: Any) -> dict[str, Any]:
        await self.send(
            {"op": "connect", "applicationId": APP_ID, "javascriptKey": JS_KEY, **fields}
        )
        return await self.recv()

    async def subscribe(
        self, request_id: int, class_name: str, where: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        query: dict[str, Any] = {"className": class_name, "where": where}
        token = extra.pop("sessionToken", None)
        query.update(extra)
        frame: dict[str, Any] = {"op": "subscribe", "requestId": request_id, "query": query}
        if token is not None:
            frame["sessionToken"] = token
        await self.send(frame)
        return await self.recv()


class Harness:
    def __init__(self, server: EmbeddedServer, rest: Rest) -> None:
        self.server = server
        self.rest = rest
        self._sockets: list[ClientConnection] = []

    @property
    def ws_url(self) -> str:
        return self.server.live_query_url

    async def live(self, *, connect_first: bool = True, **fields: Any) -> Live:
        ws = await connect(self.ws_url, max_size=None)
        self._sockets.append(ws)
        live = Live(ws)
        if connect_first:
            answer = await live.connect(**fields)
            assert answer["op"] == "connected", answer
        return live

    async def close(self) -> None:
        for ws in self._sockets:
            await ws.close()


def make_config(**overrides: Any) -> ServerConfig:
    options: dict[str, Any] = {
        "port": 0,
        "db": ":memory:",
        "app_id": APP_ID,
        "master_key": "mk-" + secrets.token_hex(8),
        "js_key": JS_KEY,
    }
    options.update(overrides)
    return ServerConfig(**options)
