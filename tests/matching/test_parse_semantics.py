"""Parse behaviours kept and Parse defects fixed, checked on our side (no Node needed)."""

from __future__ import annotations

from typing import Any

import pytest
from matching.parse_deviations import DEVIATIONS, KEPT, OBJ

from livequery_cli.matching import compile_where


@pytest.mark.parametrize(("where", "expected"), [c[1:] for c in KEPT], ids=[c[0] for c in KEPT])
def test_kept_parse_behaviour(where: dict[str, Any], expected: bool) -> None:
    assert compile_where(where)(OBJ) is expected


@pytest.mark.parametrize(
    ("where", "parse_says"), [c[1:] for c in DEVIATIONS], ids=[c[0] for c in DEVIATIONS]
)
def test_fixed_parse_defect(where: dict[str, Any], parse_says: bool) -> None:
    assert compile_where(where)(OBJ) is not parse_says
