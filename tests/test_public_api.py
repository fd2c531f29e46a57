"""The public API is a contract: every name in ``__all__`` exists, and nothing public is missing."""

from __future__ import annotations

import subprocess
import sys

import pytest

import livequery_cli as lq


@pytest.mark.parametrize("name", lq.__all__)
def test_every_exported_name_resolves(name: str) -> None:
    assert getattr(lq, name) is not None


def test_all_is_sorted_and_unique() -> None:
    assert list(lq.__all__) == sorted(set(lq.__all__))


def test_exceptions_are_one_tree_and_all_exported() -> None:
    from livequery_cli import exceptions

    assert sorted(exceptions.__all__) == sorted(
        name for name in lq.__all__ if name.endswith("Error")
    )
    for name in exceptions.__all__:
        assert issubclass(getattr(exceptions, name), lq.LiveQueryError)


def test_the_seed_api_is_there() -> None:
    """The names the LiveQuery documentation promises, spelled the Python way."""
    assert callable(lq.configure)
    for method in ("on", "off", "close"):
        assert callable(getattr(lq.LiveQuery, method))
    for method in ("open", "subscribe", "unsubscribe", "close", "on"):
        assert callable(getattr(lq.LiveQueryClient, method))
    for method in ("on", "unsubscribe", "__aiter__"):
        assert callable(getattr(lq.Subscription, method))
    for method in ("greater_than", "select", "watch", "subscribe", "or_", "and_", "nor"):
        assert callable(getattr(lq.Query, method))


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = lq.no_such_thing  # type: ignore[attr-defined]


def test_importing_the_package_loads_nothing_heavy() -> None:
    """``lq --version`` imports this package: it must not drag in the client stack."""
    heavy = ("websockets", "aiohttp", "asyncio", "orjson")
    code = f"import sys, livequery_cli; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_all_lists_exactly_the_lazy_exports() -> None:
    from livequery_cli import _EXPORTS

    assert set(lq.__all__) == {*_EXPORTS, "__version__"}
