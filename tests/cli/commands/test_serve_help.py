"""``lq serve --help`` shows every default and every variable (as docs/serve.md's table does)."""

from __future__ import annotations

import re

from support.cli_run import lq

from livequery_cli.server import server_config as defaults


def test_help_shows_the_defaults_and_variables() -> None:
    result = lq("serve", "--help")
    assert result.status == 0
    text = " ".join(result.stdout.split())  # the help wraps lines
    for default in (
        defaults.DEFAULT_PORT,
        defaults.DEFAULT_HOST,
        defaults.DEFAULT_DB,
        defaults.DEFAULT_APP_ID,
        defaults.DEFAULT_MOUNT,
        defaults.DEFAULT_MAX_SUBSCRIPTIONS,
        defaults.DEFAULT_MAX_FRAME_BYTES,
        defaults.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    ):
        assert f"[default: {default}]" in text, default
    for variable in (
        "LQ_SERVE_PORT",
        "LQ_SERVE_HOST",
        "LQ_SERVE_DB",
        "LQ_APP_ID",
        "LQ_MASTER_KEY",
        "LQ_MASTER_KEY_FILE",
        "LQ_JS_KEY",
        "LQ_SERVE_MOUNT",
        "LQ_PROFILE",
    ):
        assert re.search(rf"\b{variable}\b(?!_)", text), variable
