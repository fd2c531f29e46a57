"""``wss://`` with an ``ssl.SSLContext`` (the rig's Parse Server speaks plain HTTP)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from support.certificates import server_context
from support.fake_server import fake_server
from support.recorder import Recorder

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.exceptions import TransportError
from livequery_cli.protocol import State


async def test_wss_with_a_trusting_ssl_context(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    client_context = ssl.create_default_context(cafile=str(cert))
    async with fake_server(ssl_context=server_context(cert, key)) as server:
        assert server.url.startswith("wss://")
        client = LiveQueryClient("app", server.url, ssl=client_context)
        await client.open()
        sub = await client.subscribe({"className": "Game", "where": {}})
        assert client.state is State.CONNECTED
        assert not sub.closed
        await client.close()


async def test_an_untrusted_certificate_fails_at_once_instead_of_retrying(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    async with fake_server(ssl_context=server_context(cert, key)) as server:
        client = LiveQueryClient("app", server.url, reconnect=ReconnectPolicy(base=0.01))
        rec = Recorder().listen(client, "error", "reconnect")
        with pytest.raises(TransportError, match="certificate verify failed"):
            await client.open()
        assert rec.count("reconnect") == 0
        assert "cannot connect to wss://127.0.0.1" in str(rec.args("error")[0][0])
        await client.close()
