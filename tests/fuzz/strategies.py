"""Hypothesis strategies for LiveQuery frames: plausible, malformed and plain garbage.

Plausible frames matter most: a fuzzer that only sends noise tests the JSON
parser and nothing behind it. So most generated frames have a real ``op`` and
the right field names with values of any type.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

CLIENT_OPS = ["connect", "subscribe", "update", "unsubscribe"]
SERVER_OPS = ["connected", "subscribed", "unsubscribed", "create", "update", "enter",
              "leave", "delete", "error"]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.text(max_size=10), inner, max_size=4),
    ),
    max_leaves=20,
)
operators = st.sampled_from(
    ["$lt", "$gt", "$in", "$nin", "$regex", "$options", "$exists", "$or", "$and", "$nor",
     "$select", "$inQuery", "$relatedTo", "$text", "$near", "$within", "$bogus", "$eq", "$ne",
     "$all", "$containedBy", "$geoWithin", "$nearSphere", "$maxDistance", "__type"]
)  # fmt: skip
where_clauses = st.recursive(
    st.dictionaries(st.one_of(st.text(max_size=8), operators), scalars, max_size=3),
    lambda inner: st.dictionaries(
        st.one_of(st.text(max_size=8), operators),
        st.one_of(scalars, inner, st.lists(inner, max_size=3)),
        max_size=3,
    ),
    max_leaves=15,
)


@st.composite
def plausible_frames(draw: st.DrawFn, ops: list[str]) -> dict[str, Any]:
    frame: dict[str, Any] = {"op": draw(st.one_of(st.sampled_from(ops), st.text(max_size=8)))}
    for key, value in (
        ("requestId", st.one_of(st.integers(-5, 10**12), json_values)),
        ("applicationId", st.one_of(st.text(max_size=12), json_values)),
        ("sessionToken", st.one_of(st.text(max_size=40), json_values)),
        ("masterKey", st.one_of(st.text(max_size=20), json_values)),
        ("clientId", st.text(max_size=12)),
        ("code", st.one_of(st.integers(), json_values)),
        ("error", json_values),
        ("reconnect", json_values),
        ("object", st.one_of(st.dictionaries(st.text(max_size=8), json_values), json_values)),
        ("original", json_values),
        (
            "query",
            st.one_of(
                st.fixed_dictionaries(
                    {"className": st.one_of(st.sampled_from(["Game", "Secret", "_User",
                                                             "_Session", "_Role"]),
                                            st.text(max_size=10)),
                     "where": st.one_of(where_clauses, json_values)},
                    optional={"keys": json_values, "watch": json_values},
                ),
                json_values,
            ),
        ),
    ):  # fmt: skip
        if draw(st.booleans()):
            frame[key] = draw(value)
    return frame


def raw_texts(ops: list[str]) -> st.SearchStrategy[str | bytes]:
    """What a peer may put in one WebSocket message."""
    return st.one_of(
        plausible_frames(ops).map(json.dumps),
        json_values.map(json.dumps),
        st.text(max_size=200),
        st.binary(max_size=200),
        st.sampled_from(["{", "[" * 3000, '{"op": "subscribe"', "\x00", "null", '"\\ud800"']),
    )
