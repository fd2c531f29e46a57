"""The official Parse JS SDK's include / subquery / relation features, on both servers.

``tests/node/sdk_queries.js`` drives ``include``, ``includeAll``,
``fetchWithInclude``, ``fetchAllWithInclude``, ``exclude``, ``matchesQuery``
and friends (alone and in ``or``/``and``/``nor``) and relation queries on an
unfetched and an unsaved parent. It runs unchanged against Parse Server 9
(rig) and ``lq serve``; both must give the answers below, which are Parse
Server 9's.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from typing import Any

from server.test_js_sdk import NODE_DIR, _require_node

SCRIPT = NODE_DIR / "sdk_queries.js"

EXPECTED: dict[str, Any] = {
    "include": ["alice", "bob"],
    "includeCast": [["alice", "bob"], ["bob"]],
    "includeAll": [["alice", ["alice", "bob"]], ["bob", ["bob"]]],
    "fetchWithInclude": ["hi", "alice"],
    "fetchAllWithInclude": [[2, "bob"], [1, "alice"]],
    "exclude": [False, True],
    "matchesQuery": [1],
    "doesNotMatchQuery": [2],
    "matchesQueryArray": [1],
    "matchesKeyInQuery": [1],
    "doesNotMatchKeyInQuery": [2],
    "orOfMatchesQuery": [1, 2],
    "andOfMatchesQuery": [],
    "norOfMatchesQuery": [2],
    "relationOnUnfetchedParent": [["Player", "bob"]],
    "relationOnUnsavedParent": 0,
    # Logged out, alice (readable by her creator only) is removed from includes and subqueries.
    "includeAnonymous": [[False, ["bob"]], [True, ["bob"]]],
    "matchesQueryAnonymous": [],
}


def test_sdk_include_subqueries_and_relations(server: Any) -> None:
    _require_node()
    result = subprocess.run(
        ["node", str(SCRIPT), "--server-url", server.rest_url, "--app-id", server.app_id,
         "--js-key", server.js_key, "--tag", uuid.uuid4().hex[:12]],
        cwd=NODE_DIR, capture_output=True, text=True, timeout=90, check=False,
    )  # fmt: skip
    records = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.returncode == 0, (records, result.stderr[-2000:])
    assert records[-1] == {"kind": "done"}
    steps = {r["step"]: r.get("value", ("error", r.get("error"))) for r in records[:-1]}
    assert steps == EXPECTED
