"""``Query``'s REST options build what ``Parse.Query.toJSON()`` builds in the real JS SDK.

Order, paging, ``include``/``exclude``, ``fullText`` and the subquery
constraints run on a ``Parse.Query`` in node (``sdk_build_queries.js``) and on
``Query``; ``find_params()`` must equal the SDK's ``toJSON()``.
"""

from __future__ import annotations

from typing import Any

import pytest
from client.test_sdk_parity import call, same, sdk_json

from livequery_cli.client.query import Query

SUB = {"className": "Player", "calls": [call("greaterThan", "level", 3)]}

PROGRAMS: list[tuple[str, dict[str, Any]]] = [
    ("order", {"calls": [call("ascending", "score"), call("addDescending", "name", "level")]}),
    ("order-replaced", {"calls": [call("descending", "a"), call("ascending", "b")]}),
    ("paging", {"calls": [call("limit", 25), call("skip", 50)]}),
    ("limit-zero", {"calls": [call("limit", 0)]}),
    ("include", {"calls": [call("include", "player"), call("include", "post.author")]}),
    ("include-all", {"calls": [call("includeAll")]}),
    ("exclude", {"calls": [call("exclude", "secret", "big"), call("select", "a", "b")]}),
    ("full-text", {"calls": [call("fullText", "bio", "coffee")]}),
    (
        "full-text-options",
        {"calls": [call("fullText", "bio", "café", {"language": "fr", "caseSensitive": True})]},
    ),
    ("in-query", {"calls": [call("matchesQuery", "player", {"$query": SUB})]}),
    ("not-in-query", {"calls": [call("doesNotMatchQuery", "player", {"$query": SUB})]}),
    ("select", {"calls": [call("matchesKeyInQuery", "city", "home", {"$query": SUB})]}),
    ("dont-select", {"calls": [call("doesNotMatchKeyInQuery", "city", "home", {"$query": SUB})]}),
]

_SNAKE = {
    "addDescending": "add_descending",
    "includeAll": "include_all",
    "fullText": "full_text",
    "matchesQuery": "matches_query",
    "doesNotMatchQuery": "does_not_match_query",
    "matchesKeyInQuery": "matches_key_in_query",
    "doesNotMatchKeyInQuery": "does_not_match_key_in_query",
    "greaterThan": "greater_than",
}
_OPTIONS = {"language": "language", "caseSensitive": "case_sensitive"}


def _arg(value: Any) -> Any:
    if isinstance(value, dict) and "$query" in value:
        return build(value["$query"])
    return value


def build(program: dict[str, Any]) -> Query:
    query = Query(program.get("className", "Game"))
    for method, *args in program["calls"]:
        kwargs: dict[str, Any] = {}
        if method == "fullText" and len(args) == 3:
            kwargs = {_OPTIONS[k]: v for k, v in args.pop().items()}
        getattr(query, _SNAKE.get(method, method))(*map(_arg, args), **kwargs)
    return query


@pytest.fixture(scope="module")
def sdk_results() -> dict[str, dict[str, Any]]:
    results = sdk_json([program for _, program in PROGRAMS])
    return {name: result for (name, _), result in zip(PROGRAMS, results, strict=True)}


@pytest.mark.parametrize(("name", "program"), PROGRAMS, ids=[name for name, _ in PROGRAMS])
def test_find_params_are_what_the_sdk_sends(
    name: str, program: dict[str, Any], sdk_results: dict[str, dict[str, Any]]
) -> None:
    ours = build(program).find_params()
    theirs = {k: v for k, v in sdk_results[name].items() if k != "watch"}
    assert same(ours, theirs), (ours, theirs)
