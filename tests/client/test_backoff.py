"""Reconnect delays: Parse's full-jitter formula, caps, retry limits."""

from __future__ import annotations

import itertools

import pytest

from livequery_cli.client.backoff import ReconnectPolicy, backoff


def test_with_jitter_at_its_maximum_the_delays_follow_parse_and_cap_at_30s() -> None:
    delays = list(itertools.islice(backoff(rng=lambda: 1.0), 7))
    assert delays == [1.0, 3.0, 7.0, 15.0, 30.0, 30.0, 30.0]


def test_full_jitter_scales_the_whole_delay() -> None:
    values = iter([0.5, 0.0, 0.25])
    delays = list(itertools.islice(backoff(rng=lambda: next(values)), 3))
    assert delays == [0.5, 0.0, 1.75]


def test_base_and_cap_shorten_the_policy_for_tests() -> None:
    policy = ReconnectPolicy(base=0.01, max_delay=0.02, rng=lambda: 1.0)
    assert list(itertools.islice(policy.delays(), 3)) == [0.01, 0.02, 0.02]


def test_each_delay_sequence_starts_over() -> None:
    policy = ReconnectPolicy(rng=lambda: 1.0)
    first = policy.delays()
    next(first), next(first)
    assert next(policy.delays()) == 1.0


def test_the_generator_runs_forever_without_overflowing() -> None:
    last = next(itertools.islice(backoff(rng=lambda: 1.0, max_delay=5.0), 10_000, None))
    assert last == 5.0


def test_max_retries_bounds_the_attempts() -> None:
    assert ReconnectPolicy(max_retries=None).allows(10**9)
    policy = ReconnectPolicy(max_retries=2)
    assert [policy.allows(n) for n in (1, 2, 3)] == [True, True, False]
    assert not ReconnectPolicy(max_retries=0).allows(1)


@pytest.mark.parametrize("kwargs", [{"base": -1}, {"max_delay": -1}, {"max_retries": -1}])
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="negative"):
        ReconnectPolicy(**kwargs)  # type: ignore[arg-type]
