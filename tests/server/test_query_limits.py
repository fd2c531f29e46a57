"""Bounds on ``include`` and subqueries, and generated reads that must never be a 500.

``include`` paths and subqueries each cost a pass over objects on the event
loop every client shares, and a request body may be 20 MiB: one request may
name at most 256 include paths and run at most 16 subqueries (102 beyond).
"""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.lq_harness import Harness

from livequery_cli.server.documents import MAX_VALUE_NESTING
from livequery_cli.server.include import MAX_INCLUDE_PATHS
from livequery_cli.server.subqueries import MAX_SUBQUERIES


async def _find(harness: Harness, **params: Any) -> tuple[int, Any]:
    """A find with JSON-typed parameters, sent the JS SDK's way (POST with ``_method``)."""
    return await harness.rest.raw("POST", "classes/Game", {"_method": "GET", **params})


async def test_include_paths_are_bounded(harness: Harness) -> None:
    fine = ",".join(f"f{i}" for i in range(MAX_INCLUDE_PATHS))
    status, _ = await _find(harness, include=fine)
    assert status == 200
    status, answer = await _find(harness, include=fine + ",extra")
    assert (status, answer["code"]) == (400, 102)
    assert "exceeds maximum allowed (256)" in answer["error"]


async def test_a_long_dotted_path_is_refused_quickly(harness: Harness) -> None:
    started = time.monotonic()
    status, answer = await _find(harness, keys=".".join(["a"] * 200_000))
    assert (status, answer["code"]) == (400, 102)
    assert time.monotonic() - started < 5


async def test_subqueries_per_request_are_bounded(harness: Harness) -> None:
    sub = {"$inQuery": {"where": {"x": 1}, "className": "Player"}}
    fine = {"$or": [{f"f{i}": sub} for i in range(MAX_SUBQUERIES)]}
    status, answer = await _find(harness, where=fine)
    assert status == 200, answer
    over = {"$or": [{f"f{i}": sub} for i in range(MAX_SUBQUERIES + 1)]}
    status, answer = await _find(harness, where=over)
    assert (status, answer["code"]) == (400, 102)
    # nested subqueries count too
    nested: dict[str, Any] = {"x": 1}
    for _ in range(MAX_SUBQUERIES + 1):
        nested = {"p": {"$inQuery": {"where": nested, "className": "Game"}}}
    status, answer = await _find(harness, where=nested)
    assert (status, answer["code"]) == (400, 102)


_names = st.sampled_from(["a", "a.b", "*", "p", "p.q.r", "", ".", "..", "ACL", "objectId"])
_name_lists = st.lists(_names, max_size=4).map(",".join) | st.lists(_names, max_size=3)
_values = st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=4) | _name_lists
_operands = st.recursive(
    _values,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["where", "className", "query", "key", "object",
                                       "redirectClassNameForKey", "__type", "objectId", "p",
                                       "$in", "$nin"]),
                      inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
_where = st.dictionaries(
    st.sampled_from(["p", "a.b", "$or", "$and", "$nor", "$relatedTo", "$foo", "objectId"]),
    st.dictionaries(st.sampled_from(["$inQuery", "$notInQuery", "$select", "$dontSelect",
                                     "$in", "$eq"]), _operands, max_size=2)
    | st.lists(st.dictionaries(st.just("p"), _operands, max_size=1), max_size=2)
    | _operands,
    max_size=3,
)  # fmt: skip


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    where=_where,
    params=st.dictionaries(
        st.sampled_from(["include", "keys", "excludeKeys", "includeAll", "order",
                         "redirectClassNameForKey"]), _values, max_size=4),
    get=st.booleans(),
)  # fmt: skip
async def test_generated_reads_never_cause_a_server_error(
    harness: Harness, where: Any, params: dict[str, Any], get: bool
) -> None:
    if not hasattr(harness, "seeded"):
        target = await harness.rest.create("Player", {"x": 1})
        pointer = {"__type": "Pointer", "className": "Player", "objectId": target["objectId"]}
        made = await harness.rest.create("Game", {"p": pointer, "a": {"b": [pointer, 1]}})
        harness.seeded = made["objectId"]  # type: ignore[attr-defined]
    path = f"classes/Game/{harness.seeded}" if get else "classes/Game"  # type: ignore[attr-defined]
    body = {"_method": "GET", **params} if get else {"_method": "GET", "where": where, **params}
    status, answer = await harness.rest.raw("POST", path, body)
    assert status < 500, (status, answer)
    if status >= 400:
        assert isinstance(answer, dict)
        assert isinstance(answer.get("code"), int)
        assert "\n" not in answer["error"]


async def _self_pointing_game(harness: Harness, **fields: Any) -> tuple[str, dict[str, Any]]:
    game = (await harness.rest.create("Game", fields))["objectId"]
    return game, {"__type": "Pointer", "className": "Game", "objectId": game}


async def test_an_object_including_itself_cannot_double_the_answer_per_level(
    harness: Harness,
) -> None:
    game, me = await _self_pointing_game(harness, pad="x" * 100_000)
    await harness.rest.update("Game", game, {"twice": [me, me]})
    status, answer = await harness.rest.raw(
        "GET", f"classes/Game/{game}", params={"include": "twice.twice"}
    )
    assert status == 200
    assert len(answer["twice"][1]["twice"]) == 2
    started = time.monotonic()
    status, answer = await harness.rest.raw(
        "GET", f"classes/Game/{game}", params={"include": ".".join(["twice"] * 40)}
    )
    assert (status, answer["code"]) == (400, 102)
    assert "MiB" in answer["error"]
    assert time.monotonic() - started < 5


async def test_include_cannot_nest_an_answer_past_what_json_can_encode(harness: Harness) -> None:
    game, me = await _self_pointing_game(harness)
    nested: Any = me  # a pointer object: one level
    for _ in range(MAX_VALUE_NESTING - 1):  # as deep as a stored value may be
        nested = [nested]
    await harness.rest.update("Game", game, {"self": me, "deep": nested})
    for include in (".".join(["self"] * 256), "deep.deep.deep"):
        status, answer = await harness.rest.raw(
            "GET", f"classes/Game/{game}", params={"include": include}
        )
        assert (status, answer["code"]) == (400, 102), include[:20]
    status, answer = await harness.rest.raw(
        "GET", f"classes/Game/{game}", params={"include": ".".join(["self"] * 100)}
    )
    assert status == 200
