"""The servers a fault test runs against: the real Parse Server, and ``lq serve``.

Both handles share one interface (``ws_url``, ``port``, ``app_id``, ``js_key``,
``master_key``, ``rest``), so each fault test is parametrized over the two.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any, Protocol

import pytest


class Server(Protocol):
    app_id: str
    js_key: str
    master_key: str
    port: int
    rest: Any

    @property
    def ws_url(self) -> str: ...

    @property
    def rest_url(self) -> str: ...


SERVER_PARAMS = [pytest.param("parse", marks=pytest.mark.parse_server), pytest.param("lq")]


def server_for(request: pytest.FixtureRequest) -> Server:
    name = "parse_server" if request.param == "parse" else "lq_server"
    server: Server = request.getfixturevalue(name)
    return server


def ws_path(server: Server) -> str:
    return urllib.parse.urlsplit(server.ws_url).path or "/"


async def create(server: Server, class_name: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Create with the master key off the event loop (the rig's writer is synchronous)."""
    result: dict[str, Any] = await asyncio.to_thread(
        server.rest.create, class_name, fields, master=True
    )
    return result
