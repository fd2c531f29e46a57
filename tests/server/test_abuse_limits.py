"""The abuse limits' own rules: failed-login windows, their memory bound, their settings.

The attacks themselves are in ``tests/security/test_logins.py``,
``test_dos_http.py`` and ``test_local_origin.py``; these check the pieces
with a fake clock, so the window can pass without waiting for it.
"""

from __future__ import annotations

import pytest

from livequery_cli.exceptions import ConfigError
from livequery_cli.parse.errors import ErrorCode
from livequery_cli.server.login_limits import FailedLogins
from livequery_cli.server.rest_errors import ParseApiError
from livequery_cli.server.server_config import resolve_config


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _refused(limits: FailedLogins, username: str, address: str) -> bool:
    try:
        limits.check(username, address)
    except ParseApiError as exc:
        answer = (exc.status, exc.code, exc.message)
    else:
        return False
    assert answer == (429, ErrorCode.CONNECTION_FAILED, "Too many requests.")
    return True


def test_failures_leave_the_window_after_a_minute() -> None:
    clock = _Clock()
    limits = FailedLogins(per_username=3, per_address=100, clock=clock)
    for _ in range(3):
        assert not _refused(limits, "Ada", "10.0.0.1")
        limits.failed("Ada", "10.0.0.1")
    assert _refused(limits, "ada", "10.0.0.2")  # the username, from anywhere, any case
    clock.now += 59.0
    assert _refused(limits, "ADA", "10.0.0.1")
    clock.now += 1.5
    assert not _refused(limits, "ada", "10.0.0.1")


def test_the_address_count_survives_a_success() -> None:
    clock = _Clock()
    limits = FailedLogins(per_username=100, per_address=3, clock=clock)
    for i in range(3):
        limits.failed(f"guess-{i}", "10.0.0.9")
        limits.succeeded("own-account")
    assert _refused(limits, "own-account", "10.0.0.9")
    assert not _refused(limits, "own-account", "10.0.0.10")


def test_memory_stays_bounded_under_random_usernames() -> None:
    clock = _Clock()
    limits = FailedLogins(per_username=5, per_address=10**9, max_keys=1000, clock=clock)
    for i in range(20_000):
        limits.failed(f"random-{i}", f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
        clock.now += 0.001
    assert limits.tracked <= 2 * 1000


def test_limits_and_origins_come_from_the_environment() -> None:
    config = resolve_config(
        {
            "LQ_SERVE_HEADER_TIMEOUT": "2.5",
            "LQ_SERVE_BODY_TIMEOUT": "7",
            "LQ_SERVE_MAX_PENDING_CONNECTIONS": "64",
            "LQ_SERVE_LOGIN_FAILURES_PER_USERNAME": "3",
            "LQ_SERVE_LOGIN_FAILURES_PER_ADDRESS": "9",
            "LQ_SERVE_ALLOW_ORIGIN": "HTTP://MyApp.test:80/, https://b.test:8443",
        }
    )
    assert (config.header_timeout, config.body_timeout, config.max_pending_connections) == (
        2.5,
        7.0,
        64,
    )
    assert (config.login_failures_per_username, config.login_failures_per_address) == (3, 9)
    assert config.allow_origins == ("http://myapp.test", "https://b.test:8443")
    flags = resolve_config({"LQ_SERVE_ALLOW_ORIGIN": "http://a.test"}, allow_origins=["*"])
    assert flags.allow_origins == ("*",)


@pytest.mark.parametrize(
    "env",
    [
        {"LQ_SERVE_HEADER_TIMEOUT": "soon"},
        {"LQ_SERVE_BODY_TIMEOUT": "0"},
        {"LQ_SERVE_MAX_PENDING_CONNECTIONS": "0"},
        {"LQ_SERVE_LOGIN_FAILURES_PER_ADDRESS": "0"},
        {"LQ_SERVE_ALLOW_ORIGIN": "myapp.test"},
        {"LQ_SERVE_ALLOW_ORIGIN": "http://myapp.test/path"},
    ],
)
def test_bad_settings_are_one_line_config_errors(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError) as error:
        resolve_config(env)
    assert "\n" not in str(error.value)
