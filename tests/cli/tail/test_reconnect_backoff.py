"""``lq tail`` is back soon after a server returns: the reconnect delay is capped at 5 s.

The delay keeps its full jitter (many tails must not reconnect in step), so
how soon a tail is back after an outage is a distribution: the simulation
checks it over seeded runs of the real policy, and the end-to-end tests stop
and restart a real ``lq serve`` for 4 s.
"""

from __future__ import annotations

import io
import random
import time
from pathlib import Path

import pytest
from support.lq_process import LqProcess
from support.lq_server import LqServer

from livequery_cli.cli.exit_status import UsageError
from livequery_cli.cli.settings.profiles import resolve
from livequery_cli.cli.tail.output_settings import DEFAULT_MAX_BACKOFF, max_backoff
from livequery_cli.client.backoff import ReconnectPolicy

OUTAGE_S = 4.0


def _lag_after_outage(policy: ReconnectPolicy, outage: float) -> float:
    """Seconds from the server's return to the first attempt after it (connect time aside)."""
    elapsed = 0.0
    for delay in policy.delays():
        elapsed += delay
        if elapsed >= outage:
            return elapsed - outage
    raise AssertionError("unreachable")


def _lags(max_delay: float, runs: int = 2000) -> list[float]:
    return [
        _lag_after_outage(
            ReconnectPolicy(max_delay=max_delay, rng=random.Random(seed).random), OUTAGE_S
        )
        for seed in range(runs)
    ]


def test_default_cap_brings_the_tail_back_within_about_2_s_of_a_4_s_outage() -> None:
    lags = sorted(_lags(DEFAULT_MAX_BACKOFF))
    mean = sum(lags) / len(lags)
    assert mean <= 2.0, mean
    assert lags[-1] <= DEFAULT_MAX_BACKOFF  # never longer than the cap
    assert lags[len(lags) // 2] < 2.0
    # The old cap (30 s) left a tail waiting up to ~26 s after a 4 s outage.
    assert max(_lags(30.0)) > 10


def test_the_delay_keeps_its_jitter_and_the_cap() -> None:
    policy = ReconnectPolicy(max_delay=DEFAULT_MAX_BACKOFF)
    worst = ReconnectPolicy(max_delay=DEFAULT_MAX_BACKOFF, rng=lambda: 1.0)
    worst_delays = [d for _, d in zip(range(6), worst.delays(), strict=False)]
    assert worst_delays == [1.0, 3.0, 5.0, 5.0, 5.0, 5.0]
    sample = [d for _, d in zip(range(200), policy.delays(), strict=False)]
    assert len(set(sample)) > 150  # jittered, not a fixed schedule
    assert max(sample) <= DEFAULT_MAX_BACKOFF


def test_lq_tail_builds_its_client_with_the_5_s_cap(isolated_config: Path) -> None:
    """The CLI's default, not just the policy's arithmetic (the old CLI used a 30 s cap)."""
    from livequery_cli.cli.environment import Environment
    from livequery_cli.cli.tail.args import TailArgs
    from livequery_cli.cli.tail.livequery_source import LiveQuerySource
    from livequery_cli.cli.tail.setup import prepare_tail as _prepare
    from livequery_cli.cli.tail.status_line import StatusReporter

    env = Environment(
        stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(),
        env={"LQ_CONFIG_DIR": str(isolated_config), "LQ_APP_ID": "app"},
    )  # fmt: skip
    for args, cap in ((TailArgs("Game"), 5.0), (TailArgs("Game", max_backoff="750ms"), 0.75)):
        plan = _prepare(env, args)
        assert plan.max_backoff == cap
        source = LiveQuerySource(
            settings=plan.settings,
            queries=plan.queries,
            status=StatusReporter(io.StringIO()),
            max_backoff=plan.max_backoff,
        )
        policy = source._make_client()._policy
        assert policy.max_delay == cap
        assert policy.max_retries is None


@pytest.mark.parametrize(
    ("flags", "env", "profile", "expected", "source"),
    [
        ({}, {}, "", 5.0, "default"),
        ({"max_backoff": "2s"}, {"LQ_MAX_BACKOFF": "9"}, "", 2.0, "flag"),
        ({}, {"LQ_MAX_BACKOFF": "750ms"}, 'max_backoff = "20s"\n', 0.75, "env"),
        ({}, {}, 'max_backoff = "20s"\n', 20.0, "profile"),
    ],
)
def test_max_backoff_comes_from_flag_env_profile_or_default(
    isolated_config: Path,
    flags: dict[str, str],
    env: dict[str, str],
    profile: str,
    expected: float,
    source: str,
) -> None:
    (isolated_config / "config.toml").write_text(f"[profiles.default]\n{profile}")
    variables = {"LQ_CONFIG_DIR": str(isolated_config), **env}
    settings = resolve(flags=flags, env=variables, stdin=io.StringIO())
    assert max_backoff(settings) == expected
    if source != "default":
        assert settings.values["max_backoff"].source.startswith(source)


def test_bad_max_backoff_names_its_source(isolated_config: Path) -> None:
    (isolated_config / "config.toml").write_text('[profiles.default]\nmax_backoff = "soon"\n')
    settings = resolve(flags={}, env={"LQ_CONFIG_DIR": str(isolated_config)}, stdin=io.StringIO())
    with pytest.raises(UsageError, match=r"max_backoff \(from profile 'default'"):
        max_backoff(settings)
    flagged = resolve(
        flags={"max_backoff": "-1"},
        env={"LQ_CONFIG_DIR": str(isolated_config)},
        stdin=io.StringIO(),
    )
    with pytest.raises(UsageError, match="--max-backoff: invalid duration"):
        max_backoff(flagged)


def _outage_lag(server: LqServer, *extra: str) -> float:
    """Tail, stop the server for OUTAGE_S, start it; seconds until the tail is subscribed again."""
    proc = LqProcess(
        ["tail", "Game", "--where", "score gt 1000000", *extra],
        env={
            "LQ_SERVER_URL": server.rest_url,
            "LQ_APP_ID": server.app_id,
            "LQ_JS_KEY": server.js_key,
        },
    )
    try:
        proc.wait_stderr("subscribed to Game")
        server.stop()
        proc.wait_stderr("disconnected")
        time.sleep(OUTAGE_S)  # the outage itself (the scenario), not a wait for a condition
        server.start()
        back = time.monotonic()
        proc.wait_stderr("reconnected to", timeout=30)
        proc.wait_stderr("subscribed to Game", timeout=30)
        lag = time.monotonic() - back
        return lag
    finally:
        proc.close()


def test_tail_is_back_within_the_default_cap_after_a_4_s_outage(
    lq_server_factory: object,
) -> None:
    server = lq_server_factory()  # type: ignore[operator]
    lag = _outage_lag(server)
    print(f"back {lag:.2f} s after the server returned (default cap)")
    assert lag < DEFAULT_MAX_BACKOFF + 1.0


def test_max_backoff_flag_brings_the_tail_back_within_2_s(lq_server_factory: object) -> None:
    server = lq_server_factory()  # type: ignore[operator]
    lag = _outage_lag(server, "--max-backoff", "1s")
    print(f"back {lag:.2f} s after the server returned (--max-backoff 1s)")
    assert lag < 2.0
