"""``wss://``: certificates are verified by default, and the CLI can trust a private CA.

A TLS-terminating ``FaultProxy`` (self-signed certificate for 127.0.0.1, made
with the ``openssl`` CLI) sits in front of ``lq serve``. Verification must be
on by default: the self-signed certificate fails at once with a one-line
error (not a retry loop, not a traceback). ``lq tail --ca-file FILE`` trusts
that certificate, and ``--insecure`` turns verification off with a warning.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from support.fault_proxy import FaultProxy
from support.lq_process import LqProcess
from support.lq_server import LqServer
from support.targets import ws_path
from support.watch import Watch

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.exceptions import TransportError

WAIT_S = 30.0


@pytest.fixture
async def tls_proxy(
    lq_server: LqServer, certificate: tuple[Path, Path]
) -> AsyncIterator[FaultProxy]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    async with FaultProxy(lq_server.port, tls=context) as proxy:
        yield proxy


def _tail(server: LqServer, proxy: FaultProxy, *extra: str) -> LqProcess:
    return LqProcess(
        ["tail", "Game", "--json", "--app-id", server.app_id, "--js-key", server.js_key,
         "--server-url", server.rest_url, "--live-query-url", proxy.url(path=ws_path(server)),
         *extra],
    )  # fmt: skip


async def test_the_library_verifies_by_default_and_trusts_a_given_ca(
    lq_server: LqServer, tls_proxy: FaultProxy, certificate: tuple[Path, Path], unique_tag: str
) -> None:
    url = tls_proxy.url(path=ws_path(lq_server))
    strict = LiveQueryClient(lq_server.app_id, url, javascript_key=lq_server.js_key,
                             reconnect=ReconnectPolicy(base=0.05))  # fmt: skip
    watch = Watch().listen(strict, "reconnect")
    with pytest.raises(TransportError, match="certificate verify failed"):
        await asyncio.wait_for(strict.open(), WAIT_S)
    assert watch.count("reconnect") == 0, "a bad certificate is not worth retrying"
    await strict.close()

    trusting = LiveQueryClient(
        lq_server.app_id, url, javascript_key=lq_server.js_key,
        ssl=ssl.create_default_context(cafile=str(certificate[0])),
    )  # fmt: skip
    sub = await asyncio.wait_for(
        trusting.subscribe({"className": "Game", "where": {"tag": unique_tag}}), WAIT_S
    )
    events = Watch().listen(sub, "create")
    await asyncio.to_thread(lq_server.rest.create, "Game", {"tag": unique_tag}, master=True)
    await events.wait("create")
    await trusting.close()


async def test_tail_refuses_a_self_signed_certificate_cleanly(
    lq_server: LqServer, tls_proxy: FaultProxy
) -> None:
    tail = _tail(lq_server, tls_proxy, "--max-retries", "3")
    try:
        status = await asyncio.to_thread(tail.wait, WAIT_S)
        stderr = await asyncio.to_thread(tail.rest_of_stderr, 5.0)
        assert status == 3, stderr
        assert any("certificate" in line for line in stderr), stderr
        assert not any("Traceback" in line for line in stderr), stderr
        assert not any("reconnecting" in line for line in stderr), "retried a bad certificate"
    finally:
        tail.close()


async def test_tail_ca_file_trusts_a_private_certificate(
    lq_server: LqServer, tls_proxy: FaultProxy, certificate: tuple[Path, Path]
) -> None:
    tail = _tail(lq_server, tls_proxy, "--ca-file", str(certificate[0]))
    try:
        await asyncio.to_thread(tail.wait_stderr, "subscribed", WAIT_S)
    finally:
        tail.close()


async def test_tail_insecure_connects_and_warns(lq_server: LqServer, tls_proxy: FaultProxy) -> None:
    tail = _tail(lq_server, tls_proxy, "--insecure")
    try:
        warning: Any = await asyncio.to_thread(tail.wait_stderr, "verif", WAIT_S)
        assert "warning" in warning.lower(), warning
        await asyncio.to_thread(tail.wait_stderr, "subscribed", WAIT_S)
    finally:
        tail.close()
