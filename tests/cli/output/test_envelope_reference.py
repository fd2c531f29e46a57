"""The ``--json`` envelope and ``changed`` against a plain reference, for generated objects.

The envelope is built on the event path, where it is tuned for speed; these
properties pin its bytes to the obvious definition (every field of version 1,
``changed`` as the sorted top-level fields whose values differ, ``updatedAt``
left out), for objects with Parse's typed values, nested containers and
unicode, on a pipe and on a terminal.
"""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.ndjson import JsonFormat
from livequery_cli.cli.output.terminal_text import escape_json_for_terminal
from livequery_cli.cli.output.timestamps import utc_stamp

_names = st.sampled_from(["objectId", "updatedAt", "score", "name", "cfg", "tags", "at", "ptr"])
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8),
)
_typed = st.one_of(
    st.builds(
        lambda iso: {"__type": "Date", "iso": iso},
        st.sampled_from(["2026-01-01T00:00:00.000Z", "2026-01-02T00:00:00.000Z"]),
    ),
    st.builds(
        lambda oid: {"__type": "Pointer", "className": "Player", "objectId": oid},
        st.sampled_from(["p1", "p2"]),
    ),
)
_values = st.recursive(
    st.one_of(_scalars, _typed),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["a", "b", "é"]), inner, max_size=3),
    ),
    max_leaves=6,
)
_objects = st.dictionaries(_names, _values, max_size=6)


def _reference_changed(obj: dict[str, Any], original: dict[str, Any]) -> list[str]:
    keys = set(obj) | set(original)
    missing = object()
    differ = {k for k in keys if obj.get(k, missing) != original.get(k, missing)}
    return sorted(differ - {"updatedAt"})


def _reference_line(event: TailEvent) -> bytes:
    object_id = event.object.get("objectId")
    record: dict[str, Any] = {
        "v": 1,
        "kind": event.kind,
        "sub": event.sub,
        "op": event.op,
        "class": event.class_name,
        "id": object_id if isinstance(object_id, str) else "",
        "ts": utc_stamp()(event.ts),
        "seq": event.seq,
        "object": event.object,
    }
    if event.original is not None:
        record["original"] = event.original
        record["changed"] = _reference_changed(event.object, event.original)
    if event.synthetic:
        record["synthetic"] = True
    return orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)


@settings(max_examples=300, deadline=None)
@given(
    obj=_objects,
    original=st.one_of(st.none(), _objects),
    op=st.sampled_from(["create", "update", "enter", "leave", "delete"]),
    synthetic=st.booleans(),
    sub=st.integers(min_value=0, max_value=3),
    ts=st.floats(min_value=0, max_value=4e9),
)
def test_json_lines_match_the_reference_envelope(
    obj: dict[str, Any],
    original: dict[str, Any] | None,
    op: str,
    synthetic: bool,
    sub: int,
    ts: float,
) -> None:
    event = TailEvent(
        op, obj, original, class_name="Game", seq=7, ts=ts, sub=sub, synthetic=synthetic
    )
    expected = _reference_line(event)
    assert JsonFormat()(event) == expected
    assert JsonFormat(terminal=True)(event) == escape_json_for_terminal(expected)
    if original is not None:
        assert event.changed() == _reference_changed(obj, original)


def test_changed_keeps_python_equality_for_equal_numbers_of_other_types() -> None:
    """``1`` and ``1.0`` (and ``true`` and ``1``) are equal to Python, so unchanged, as before."""
    event = TailEvent(
        "update",
        {"a": 1, "b": True, "c": 2},
        {"a": 1.0, "b": 1, "c": 3},
        class_name="G",
        seq=1,
        ts=0.0,
    )
    assert event.changed() == ["c"]
