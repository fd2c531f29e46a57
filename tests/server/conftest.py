"""An in-process ``lq serve`` per test (``harness``), and the ``lq_server`` subprocess fixtures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from support.lq_harness import Harness, Rest, make_config

from livequery_cli.server.app import EmbeddedServer


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    server = EmbeddedServer(make_config())
    await server.start()
    async with aiohttp.ClientSession() as session:
        h = Harness(server, Rest(session, server.rest_url, server.config.master_key))
        try:
            yield h
        finally:
            await h.close()
            await server.stop()
