"""``wss://`` with an ``ssl.SSLContext`` (the rig's Parse Server speaks plain HTTP)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from client.fake_server import fake_server
from client.recorder import Recorder

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.exceptions import TransportError
from livequery_cli.protocol import State


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


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
