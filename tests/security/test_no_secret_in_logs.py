"""No secret reaches a log, at any level: every logger at DEBUG through a whole session.

``websockets`` logs each frame it sends at DEBUG, and the first one is
``connect`` with the keys and the session token; the library's own logs name
URLs and errors. The client runs over a real WebSocket against an in-process
``lq serve`` (so the server's logs are captured as well), with a master key, a
JavaScript key and a session token, through connect, subscribe, an event, an
update with a new token, a refused token, a reconnect and close.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Iterator

import aiohttp
import pytest
from support.lq_harness import JS_KEY, Rest, make_config

from livequery_cli.client import LiveQueryClient
from livequery_cli.client.backoff import ReconnectPolicy
from livequery_cli.exceptions import AuthError
from livequery_cli.server.app import EmbeddedServer

WAIT = 10.0
GAME = {"className": "Game", "where": {}}


@pytest.fixture
def every_logger_at_debug(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)  # the root logger
    names = ["livequery_cli", "websockets", "aiohttp", "asyncio"]
    loggers = [logging.getLogger(n) for n in [*names, *logging.root.manager.loggerDict]]
    saved = [(lg, lg.level, lg.propagate, lg.disabled) for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
        lg.propagate = True
        lg.disabled = False
    yield caplog
    for lg, level, propagate, disabled in saved:
        lg.setLevel(level)
        lg.propagate = propagate
        lg.disabled = disabled


async def test_no_key_or_token_appears_in_any_log_record(
    every_logger_at_debug: pytest.LogCaptureFixture,
) -> None:
    caplog = every_logger_at_debug
    js_key = JS_KEY
    server = EmbeddedServer(make_config())
    await server.start()
    master_key = server.config.master_key
    try:
        async with aiohttp.ClientSession() as session:
            rest = Rest(session, server.rest_url, master_key)
            user = await rest.sign_up("logged-" + secrets.token_hex(4))
            other = await rest.sign_up("other-" + secrets.token_hex(4))
            token, other_token = user["sessionToken"], other["sessionToken"]
            client = LiveQueryClient(
                server.config.app_id,
                server.live_query_url,
                javascript_key=js_key,
                master_key=master_key,
                session_token=token,
                reconnect=ReconnectPolicy(base=0.01, max_delay=0.05),
            )
            sub = await client.subscribe(GAME, session_token=token)
            await rest.create("Game", {"n": 1})
            assert (await asyncio.wait_for(anext(sub), WAIT)).object["n"] == 1
            await client.update(sub, sub.query, session_token=other_token)
            with pytest.raises(AuthError):
                await client.subscribe(
                    {"className": "Game", "where": {}}, session_token="r:bad" + token
                )
            reopened = asyncio.Event()
            client.on("open", reopened.set)
            assert client._transport is not None
            await client._transport.close()  # a lost socket: reconnect and resubscribe
            await asyncio.wait_for(reopened.wait(), WAIT)
            await client.close()
    finally:
        await server.stop()
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert (
        "websockets" in text or "livequery_cli.client.transports.websocket" in text
    )  # frames were logged
    for secret in (master_key, js_key, token, other_token):
        for piece in {secret, secret[:10], secret[-10:]}:
            assert piece not in text, f"a secret reached the logs: {piece[:3]}..."
    assert "reconnecting" in text
    assert "resubscribed" in text


def test_credential_headers_of_the_handshake_are_not_logged(
    every_logger_at_debug: pytest.LogCaptureFixture,
) -> None:
    """A ``ws://user:password@host`` URL makes websockets send ``Authorization``."""
    from websockets.client import ClientProtocol
    from websockets.uri import parse_uri

    from livequery_cli.client.transports.frame_log import FRAME_LOGGER

    protocol = ClientProtocol(
        parse_uri("ws://alice:s3cret-pw@127.0.0.1:1/parse"), logger=FRAME_LOGGER
    )
    protocol.send_request(protocol.connect())
    text = every_logger_at_debug.text
    assert "> GET /parse HTTP/1.1" in text
    assert "Authorization: [not logged]" in text
    assert "YWxpY2U6czNjcmV0LXB3" not in text  # base64 of alice:s3cret-pw
