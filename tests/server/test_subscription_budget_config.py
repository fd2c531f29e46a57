"""``LQ_SERVE_SUBSCRIPTION_MEMORY_MIB``: each LiveQuery connection's subscription memory budget."""

from __future__ import annotations

import pytest

from livequery_cli.exceptions import ConfigError
from livequery_cli.server.server_config import DEFAULT_SUBSCRIPTION_MEMORY, resolve_config


def test_the_budget_defaults_to_64_mib() -> None:
    assert resolve_config({}).subscription_memory == DEFAULT_SUBSCRIPTION_MEMORY == 64 << 20


def test_the_budget_comes_from_the_environment_in_mib() -> None:
    env = {"LQ_SERVE_SUBSCRIPTION_MEMORY_MIB": "8"}
    assert resolve_config(env).subscription_memory == 8 << 20


@pytest.mark.parametrize("value", ["0", "-1", "lots"])
def test_a_bad_budget_is_a_clear_error(value: str) -> None:
    with pytest.raises(ConfigError, match=r"LQ_SERVE_SUBSCRIPTION_MEMORY_MIB|budget"):
        resolve_config({"LQ_SERVE_SUBSCRIPTION_MEMORY_MIB": value})
