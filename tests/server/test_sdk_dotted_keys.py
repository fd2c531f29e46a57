"""The official Parse JS SDK's nested-field calls (``increment('o.n')``...) on both servers.

``tests/node/sdk_dotted_keys.js`` makes each nested change through the SDK,
saves, fetches, and records the LiveQuery event; Parse Server 9 and
``lq serve`` must give the same records.
"""

from __future__ import annotations

from typing import Any

from support.node_scripts import run_node_script


def test_sdk_nested_increment_set_unset(server: Any) -> None:
    records = run_node_script("sdk_dotted_keys.js", server)
    assert records == [
        {"kind": "event", "op": "create", "o": {"n": 1, "k": 2}, "original": None},
        *_step("increment", {"n": 2, "k": 2}, {"n": 1, "k": 2}),
        *_step("increment by 5", {"n": 7, "k": 2}, {"n": 2, "k": 2}),
        *_step("set", {"n": 7, "k": 2, "m": "x"}, {"n": 7, "k": 2}),
        *_step("unset", {"n": 7, "m": "x"}, {"n": 7, "k": 2, "m": "x"}),
        *_step("increment a new key", {"n": 7, "m": "x", "z": 2}, {"n": 7, "m": "x"}),
        *_step("decrement", {"n": 7, "m": "x", "z": 1}, {"n": 7, "m": "x", "z": 2}),
        {"kind": "done"},
    ]


def _step(name: str, after: dict[str, Any], before: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"kind": "step", "step": name, "saved": after, "fetched": after},
        {"kind": "event", "step": name, "op": "update", "o": after, "original": before},
    ]
