"""``lq serve`` under generated dotted-key writes: never a 5xx, always a readable object.

Keys are drawn from parts that include the troublemakers (empty parts, ``$``,
reserved and secret field names, non-ASCII) and values from plain JSON and
every field operator, so each example is a mix of accepted and refused keys.
"""

from __future__ import annotations

import json
from typing import Any

from fuzz.strategies import json_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.lq_server import LqServer
from support.raw_rest import call

_parts = st.sampled_from(
    ["o", "n", "a", "", "$x", "className", "objectId", "ACL", "authData", "password", "é", "_x"]
)
_keys = st.lists(_parts, min_size=2, max_size=6).map(".".join)
_ops = st.one_of(
    st.fixed_dictionaries(
        {"__op": st.just("Increment")}, optional={"amount": st.one_of(st.integers(), json_values)}
    ),
    st.fixed_dictionaries(
        {"__op": st.sampled_from(["Add", "AddUnique", "Remove"]), "objects": json_values}
    ),
    st.fixed_dictionaries({"__op": st.sampled_from(["Delete", "Batch", "AddRelation", "Nope"])}),
)
_bodies = st.dictionaries(_keys, st.one_of(json_values, _ops), min_size=1, max_size=4)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(bodies=st.lists(_bodies, min_size=1, max_size=3))
def test_generated_dotted_writes_never_fail_the_server(
    lq_server: LqServer, bodies: list[dict[str, Any]]
) -> None:
    status, made = call(lq_server, "POST", "classes/Sensor", {"o": {"n": 1}}, master=True)
    assert status == 201, made
    path = f"classes/Sensor/{made['objectId']}"
    for body in bodies:
        status, answer = call(lq_server, "PUT", path, body, master=True)
        assert status < 500, (body, answer)
    status, got = call(lq_server, "GET", path, master=True)
    assert status == 200, got
    assert set(got) >= {"objectId", "createdAt", "updatedAt"}
    assert got.get("className", "Sensor") == "Sensor"
    json.dumps(got)
