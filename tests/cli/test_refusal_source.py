"""A refused session token is blamed on where it came from: the flag, the variable, the profile."""

from __future__ import annotations

import os
from typing import Any

from support.lq_process import LqProcess

from livequery_cli.cli.exit_status import ExitStatus, classify
from livequery_cli.exceptions import ServerError
from livequery_cli.parse.errors import ErrorCode


def refused() -> ServerError:
    return ServerError(
        "Invalid session token", code=ErrorCode.INVALID_SESSION_TOKEN, reconnect=False
    )


def test_a_token_from_the_flag_is_blamed_on_the_flag() -> None:
    outcome = classify(refused(), profile="default", token_source="flag --session-token")
    assert outcome.status == ExitStatus.REFUSED
    [line] = outcome.lines
    assert "the session token of the --session-token flag is not valid" in line
    assert "profile" not in line


def test_a_token_from_a_variable_is_blamed_on_the_variable() -> None:
    [line] = classify(refused(), profile="default", token_source="env LQ_SESSION_TOKEN").lines
    assert "the session token in LQ_SESSION_TOKEN is not valid" in line


def test_a_token_from_the_profile_still_says_lq_login() -> None:
    [line] = classify(refused(), profile="ci", token_source="lq login (profile 'ci')").lines
    assert "the session token of profile 'ci' is not valid; run `lq login --profile ci`" in line


def test_lq_tail_with_a_bad_session_token_flag(lq_server: Any, tmp_path: Any) -> None:
    process = LqProcess(
        ["tail", "Game", "--session-token", "r:not-a-real-token", "--no-resync",
         "--server-url", lq_server.rest_url, "--app-id", lq_server.app_id,
         "--js-key", lq_server.js_key],
        env={"LQ_CONFIG_DIR": str(tmp_path), "LQ_PROFILE": "", "HOME": os.environ.get("HOME", "")},
    )  # fmt: skip
    try:
        assert process.wait() == ExitStatus.REFUSED
        stderr = "\n".join(process.rest_of_stderr())
        assert "the session token of the --session-token flag is not valid" in stderr, stderr
        assert "r:not-a-real-token" not in stderr
    finally:
        process.close()
