"""Server settings: precedence, validation, and the master key kept out of sight."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from support.lq_harness import make_config

from livequery_cli.exceptions import ConfigError
from livequery_cli.server.app import EmbeddedServer
from livequery_cli.server.server_config import ServerConfig, resolve_config


def test_flags_beat_environment_beat_defaults(tmp_path: Path) -> None:
    env = {"LQ_SERVE_PORT": "4000", "LQ_APP_ID": "env-app", "LQ_MASTER_KEY": "env-mk"}
    config = resolve_config(env, port=5000)
    assert (config.port, config.app_id, config.master_key) == (5000, "env-app", "env-mk")
    key_file = tmp_path / "mk"
    key_file.write_text("file-mk\n")
    assert resolve_config(env, master_key_file=str(key_file)).master_key == "file-mk"
    defaults = resolve_config({})
    assert (defaults.port, defaults.host, defaults.mount, defaults.db) == (
        1337, "127.0.0.1", "/parse", "lq.sqlite",
    )  # fmt: skip
    assert len(defaults.master_key) >= 24  # random, never a guessable default
    assert resolve_config({"LQ_SERVE_PORT": "0"}).port == 0


def test_master_key_never_in_repr() -> None:
    config = ServerConfig(master_key="super-secret-key", js_key="js-secret")
    assert "super-secret-key" not in repr(config)
    assert "js-secret" not in repr(config)


@pytest.mark.parametrize(
    "options",
    [{"port": 70000}, {"mount": "parse"}, {"mount": "/parse/"}, {"app_id": ""},
     {"max_subscriptions": 0}, {"max_connections_per_address": 0}],
)  # fmt: skip
def test_bad_settings_are_config_errors(options: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        ServerConfig(**options)  # type: ignore[arg-type]


def test_unreadable_key_file_and_bad_port_env(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="master key file"):
        resolve_config({}, master_key_file=str(tmp_path / "none"))
    with pytest.raises(ConfigError, match="LQ_SERVE_PORT"):
        resolve_config({"LQ_SERVE_PORT": "http"})


async def test_a_client_that_never_answers_pings_is_dropped() -> None:
    server = EmbeddedServer(make_config(ping_interval=0.2))
    await server.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(server.live_query_url, autoping=False) as ws,
        ):
            kinds = []
            while True:
                message = await ws.receive(timeout=5)
                kinds.append(message.type)
                if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    break
            assert kinds[0] == aiohttp.WSMsgType.PING
    finally:
        await server.stop()
