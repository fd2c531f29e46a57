"""Generated REST requests: every answer is a Parse error or a success, never a 500."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.lq_harness import Harness

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**60), 2**60) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["__op", "__type", "objects", "amount", "className",
                                       "objectId", "a", "$gt", "$in", "read", "*", "ACL",
                                       "score", "iso", "users", "requests", "method", "path",
                                       "body", "where"]) | st.text(max_size=4),
                      inner, max_size=4),
    max_leaves=10,
)  # fmt: skip
_paths = st.sampled_from(
    ["classes/Game", "classes/Game/x", "users", "users/me", "login", "logout", "batch",
     "roles", "sessions", "schemas", "schemas/Game", "classes/_User", "classes/", "nope",
     "classes/Game/x/y", "health", "config"]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    path=_paths,
    body=_json,
    params=st.dictionaries(st.sampled_from(["where", "limit", "order", "keys", "count", "skip"]),
                           st.text(max_size=8) | _json.map(str), max_size=3),
    master=st.booleans(),
)  # fmt: skip
async def test_generated_requests_never_cause_a_server_error(
    harness: Harness, method: str, path: str, body: Any, params: dict[str, Any], master: bool
) -> None:
    status, answer = await harness.rest.raw(method, path, body, params=params, master=master)
    assert status < 500, (status, answer)
    if status >= 400:
        assert isinstance(answer, dict)
        assert "error" in answer
