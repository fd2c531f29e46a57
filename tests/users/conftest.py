"""The users suite runs against both servers: Parse Server 9 and ``lq serve``."""

from __future__ import annotations

from typing import Any

import pytest
from rig.lq_server import lq_server  # noqa: F401  (a fixture, reached through `server`)


@pytest.fixture(params=[pytest.param("parse_server", marks=pytest.mark.parse_server), "lq_server"])
def server(request: pytest.FixtureRequest) -> Any:
    """A running server handle (``.rest_url``, ``.ws_url``, keys, ``.rest`` writer)."""
    return request.getfixturevalue(request.param)
