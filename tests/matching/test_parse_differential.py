"""Differential test: this matcher against Parse Server 9's own ``QueryTools.matchesQuery``.

Runs Parse's matcher (from the pinned ``tests/node`` install) in one Node
process and compares verdicts on generated objects and queries, restricted to
the subset where the two are meant to agree (``strategies`` with
``complete=True``). The deliberate deviations are pinned separately, against
the same Node process, in ``test_known_deviations_from_parse``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching.parse_deviations import DEVIATIONS, KEPT, OBJ
from matching.strategies import RELAXED, parse_objects, where_clauses

from livequery_cli.matching import compile_where

HARNESS = Path(__file__).with_name("parse_matcher.js")
ANSWER_PREFIX = "lq-answer "  # parse_matcher.js marks its answers; Parse's logger shares stdout
QUERY_TOOLS = (
    Path(__file__).resolve().parent.parent
    / "node/node_modules/parse-server/lib/LiveQuery/QueryTools.js"
)

pytestmark = pytest.mark.parse_server


class ParseMatcher:
    """Parse Server's LiveQuery matcher in a long-lived Node process."""

    def __init__(self, workdir: Path) -> None:
        # Parse's logger writes ./logs: keep it in a temporary directory.
        self._process = subprocess.Popen(
            ["node", str(HARNESS)],
            cwd=workdir,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def evaluate(self, pairs: Sequence[tuple[dict[str, Any], dict[str, Any]]]) -> list[bool]:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps(pairs) + "\n")
        self._process.stdin.flush()
        while True:
            line = self._process.stdout.readline()
            if not line:
                raise RuntimeError("Parse matcher process exited")
            if line.startswith(ANSWER_PREFIX):
                answers: list[bool] = json.loads(line[len(ANSWER_PREFIX) :])
                return answers

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()


@pytest.fixture(scope="module")
def parse_matcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ParseMatcher]:
    if shutil.which("node") is None or not QUERY_TOOLS.exists():
        reason = "node or tests/node/node_modules (parse-server) is not installed"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    matcher = ParseMatcher(tmp_path_factory.mktemp("parse-matcher"))
    try:
        yield matcher
    finally:
        matcher.close()


@settings(RELAXED, max_examples=25)
@given(
    objects=st.lists(parse_objects(complete=True), min_size=4, max_size=8),
    queries=st.lists(where_clauses(complete=True), min_size=10, max_size=20),
)
def test_agrees_with_parse_on_the_shared_subset(
    parse_matcher: ParseMatcher, objects: list[dict[str, Any]], queries: list[dict[str, Any]]
) -> None:
    pairs = [(obj, where) for where in queries for obj in objects]
    theirs = parse_matcher.evaluate(pairs)
    compiled = {id(where): compile_where(where) for where in queries}
    ours = [compiled[id(where)](obj) for obj, where in pairs]
    disagreements = [(pair, t) for pair, t, o in zip(pairs, theirs, ours, strict=True) if t != o]
    assert not disagreements, f"first of {len(disagreements)}: {disagreements[0]}"


@pytest.mark.parametrize(
    ("where", "parse_says"), [c[1:] for c in DEVIATIONS], ids=[c[0] for c in DEVIATIONS]
)
def test_known_deviations_from_parse(
    parse_matcher: ParseMatcher, where: dict[str, Any], parse_says: bool
) -> None:
    assert parse_matcher.evaluate([(OBJ, where)]) == [parse_says]
    assert compile_where(where)(OBJ) is not parse_says


@pytest.mark.parametrize(("where", "expected"), [c[1:] for c in KEPT], ids=[c[0] for c in KEPT])
def test_kept_parse_behaviour_is_parse_behaviour(
    parse_matcher: ParseMatcher, where: dict[str, Any], expected: bool
) -> None:
    assert parse_matcher.evaluate([(OBJ, where)]) == [expected]
