"""``unparse``: one canonical spelling per tree, which parses back to the same tree."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from livequery_cli.where import parse, unparse
from livequery_cli.where.nodes import (
    And,
    Comparison,
    DateValue,
    Existence,
    Membership,
    Not,
    Or,
    PointerValue,
    Regex,
)

CANONICAL: list[tuple[str, str]] = [
    ("score gt 100", "score > 100"),
    ("score==100", "score = 100"),
    ("score ne 1 AND x LE 2", "score != 1 and x <= 2"),
    ("name = alice", 'name = "alice"'),
    ("name = 'it\\'s \"x\"'", 'name = "it\'s \\"x\\""'),
    ('name = "a\\tb\\u0001\\u007f\\\\"', 'name = "a\\tb\\u0001\\u007f\\\\"'),
    ("n = 1e3", "n = 1000.0"),
    ("n = +7", "n = 7"),
    ("n = 1e20", "n = 1e+20"),
    ("b = TRUE or c = Null", "b = true or c = null"),
    ("d > @2026-01-01", "d > @2026-01-01T00:00:00.000Z"),
    ("d > @2026-01-01T02:00:00+02:00", "d > @2026-01-01T00:00:00.000Z"),
    ("p = Player:xWMyZ4YEGZ", "p = Player:xWMyZ4YEGZ"),
    ("t in [ a ,b, ]", 't in ["a", "b"]'),
    ("t not in []", "t not in []"),
    ("t = [[1], []]", "t = [[1], []]"),
    ("x ~ /a\\d/", 'x ~ "a\\\\d"'),
    ("x ~ /a/i", 'x ~* "a"'),
    ("x ~* 'a'", 'x ~* "a"'),
    ("x ~ /a\\/b/m", "x ~ /a\\/b/m"),
    ("x ~* /a/s", "x ~ /a/is"),
    ("x ~ \\d+", 'x ~ "\\\\d+"'),
    ("x exists and not y missing", "x exists and not y missing"),
    ("`not`.a = 1", "`not`.a = 1"),
    ("`a b`.`c` = 1", "`a b`.c = 1"),
    ("a = 1 or (b = 2 and c = 3)", "a = 1 or b = 2 and c = 3"),
    ("(a = 1 or b = 2) and c = 3", "(a = 1 or b = 2) and c = 3"),
    ("(a = 1 and b = 2) and c = 3", "(a = 1 and b = 2) and c = 3"),
    ("a = 1 or (b = 2 or c = 3)", "a = 1 or (b = 2 or c = 3)"),
    ("not (a = 1)", "not a = 1"),
    ("not (a = 1 and b = 2)", "not (a = 1 and b = 2)"),
    ("not not a = 1", "not not a = 1"),
]


@pytest.mark.parametrize(("text", "canonical"), CANONICAL, ids=[c[0] for c in CANONICAL])
def test_canonical_text(text: str, canonical: str) -> None:
    tree = parse(text)
    assert unparse(tree) == canonical
    assert parse(canonical) == tree


def test_parse_builds_the_expected_tree() -> None:
    tree = parse(
        "not (score >= 10 or tags in [a, 1]) and player = Player:p1 and name ~* /^x/m "
        "and at < @2026-01-01 and level.boss missing"
    )
    assert tree == And(
        (
            Not(Or((Comparison(("score",), "ge", 10), Membership(("tags",), ("a", 1))))),
            Comparison(("player",), "eq", PointerValue("Player", "p1")),
            Regex(("name",), "^x", "im"),
            Comparison(("at",), "lt", DateValue(datetime(2026, 1, 1, tzinfo=UTC))),
            Existence(("level", "boss"), exists=False),
        )
    )
