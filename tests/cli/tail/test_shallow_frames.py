"""The shallow reading of object events against the full decode: the same bytes out.

``read_object_event`` keeps objects as the server's JSON text when
re-encoding could not change it. For generated frames, spelled by several
encoders (orjson's compact form, the standard library's spaced and
ASCII-escaped forms, indented ones, JavaScript-like number spellings), the
``--json`` line, the ``-o raw`` line (on a pipe and on a terminal) and
``changed`` must be what decoding the frame fully gives; and the bench
firehose's frames must actually take the shallow path.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.ndjson import JsonFormat, RawFormat
from livequery_cli.cli.output.raw_object import RawObject, decoded
from livequery_cli.cli.tail.args import TailArgs
from livequery_cli.cli.tail.setup import prepare_tail
from livequery_cli.cli.tail.shallow_frames import read_object_event

_keys = st.sampled_from(
    ["objectId", "updatedAt", "createdAt", "className", "score", "name", "cfg", "é", "a b"]
)
_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
_numbers = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1.5, 1e-6, 1e-5, 1e16, 1e21, 0.1, 100.0, 5e-324]),
)
_scalars = st.one_of(st.none(), st.booleans(), _numbers, _text)
_typed = st.one_of(
    st.builds(
        lambda iso: {"__type": "Date", "iso": iso},
        st.sampled_from(["2026-01-01T00:00:00.000Z", "2026-02-01T10:00:00.500Z"]),
    ),
    st.builds(
        lambda oid: {"__type": "Pointer", "className": "Player", "objectId": oid},
        st.sampled_from(["p1", "p2"]),
    ),
    st.builds(
        lambda lat, lng: {"__type": "GeoPoint", "latitude": lat, "longitude": lng},
        st.floats(-90, 90),
        st.floats(-180, 180),
    ),
)
_values = st.recursive(
    st.one_of(_scalars, _typed),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=3)),
    max_leaves=8,
)
_objects = st.dictionaries(_keys, _values, max_size=6)


def _js_like(value: Any) -> str:
    """JSON.stringify's spelling: integral floats as integers, fixed notation from 1e-7 to 1e21."""
    if isinstance(value, float) and not isinstance(value, bool):
        if value == int(value) and abs(value) < 1e21:
            return str(int(value))
        if 1e-7 <= abs(value) < 1e21:
            text = f"{value:.20f}".rstrip("0").rstrip(".")
            if float(text) == value:
                return text
        return json.dumps(value).replace("e-0", "e-").replace("e+0", "e+")
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(
                json.dumps(k, ensure_ascii=False) + ":" + _js_like(v) for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(_js_like(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


_ENCODERS = {
    "orjson": lambda frame: orjson.dumps(frame),
    "stdlib": lambda frame: json.dumps(frame).encode(),
    "stdlib-utf8": lambda frame: json.dumps(frame, ensure_ascii=False).encode(),
    "indented": lambda frame: json.dumps(frame, ensure_ascii=False, indent=1).encode(),
    "js-like": lambda frame: _js_like(frame).encode(),
}


def _full(data: bytes) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    msg = orjson.loads(data)
    op = msg["op"]
    original = msg.get("original") if op in ("update", "enter", "leave") else None
    return op, msg["object"], original


def _lines(op: str, obj: dict[str, Any], original: dict[str, Any] | None) -> list[bytes]:
    event = TailEvent(op, obj, original, class_name="Game", seq=3, ts=1_767_225_600.25, sub=1)
    return [
        JsonFormat()(event),
        JsonFormat(terminal=True)(event),
        RawFormat()(event),
        RawFormat(terminal=True)(event),
        orjson.dumps(event.changed()),
    ]


def _check_same(data: bytes) -> bool:
    """Assert the shallow reading prints what the full decode prints; True if it was shallow."""
    read = read_object_event(data)
    if read is None:
        return False
    rid, op, obj, original = read
    full_op, full_obj, full_original = _full(data)
    assert (rid, op) == (orjson.loads(data)["requestId"], full_op)
    assert decoded(obj) == full_obj
    for key in ("className", "objectId", "createdAt", "updatedAt"):
        assert obj.get(key) == full_obj.get(key)
    assert _lines(op, obj, original) == _lines(full_op, full_obj, full_original)
    return True


@settings(max_examples=400, deadline=None)
@given(
    obj=_objects,
    original=st.one_of(st.none(), _objects),
    op=st.sampled_from(["create", "update", "enter", "leave", "delete"]),
    encoder=st.sampled_from(sorted(_ENCODERS)),
)
def test_shallow_reading_prints_what_the_full_decode_prints(
    obj: dict[str, Any], original: dict[str, Any] | None, op: str, encoder: str
) -> None:
    frame: dict[str, Any] = {"op": op, "clientId": 1, "requestId": 2, "object": obj}
    if original is not None:
        frame["original"] = original
    _check_same(_ENCODERS[encoder](frame))


def test_canonical_frames_are_read_shallowly() -> None:
    """orjson's own text without escapes or rewritten numbers takes the shallow path."""
    obj = {
        "objectId": "a1",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "n": 3,
        "r": 0.25,
        "é": ["x y", {"b": None}],
    }
    original = {**obj, "n": 4, "gone": True}
    assert _check_same(
        orjson.dumps({"op": "update", "requestId": 1, "object": obj, "original": original})
    )
    assert _check_same(orjson.dumps({"op": "create", "requestId": 1, "object": obj}))


@pytest.mark.parametrize(
    "data",
    [
        b'{"op":"update","requestId":1,"object":{"a":"\\u00e9"}}',  # an escape
        b'{"op":"update","requestId":1,"object":{"a":1.50}}',  # a trailing zero
        b'{"op":"update","requestId":1,"object":{"a":1e5}}',  # an exponent
        b'{"op":"update","requestId":1,"object":{"a":-0}}',
        b'{"op":"update","requestId":1,"object":{"a":0.000001}}',
        b'{"op":"update","requestId":1,"object":{"a":18446744073709551616}}',
        b'{"op":"update","requestId":1,"object":[1]}',  # not an object
        b'{"op":"update","requestId":true,"object":{}}',
        b'{"op":"update","requestId":1,"object":{},"original":[]}',
        b'{"op":"connected","clientId":1}',
        b'{"op":"update","requestId":1,"object":{"a":"\xff"}}',  # invalid UTF-8
        b'{"op":"update","requestId":1,"object":{"a":}}',  # invalid JSON
    ],
)
def test_frames_left_to_the_full_decoder(data: bytes) -> None:
    assert read_object_event(data) is None


def test_bench_firehose_frames_take_the_shallow_path() -> None:
    from bench.events import build_templates

    for template in build_templates(200):
        frame = template.frame
        payload = bytes(frame[2 if frame[1] < 126 else 4 :])
        assert _check_same(payload), payload[:80]


def test_changed_of_raw_objects_uses_python_equality() -> None:
    """``1`` and ``1.0`` differ as text but are equal values: unchanged, as the full path says."""
    read = read_object_event(
        b'{"op":"update","requestId":1,"object":{"a":1,"b":2},"original":{"a":1.0,"b":3}}'
    )
    assert read is not None
    _, op, obj, original = read
    assert isinstance(obj, RawObject)
    assert TailEvent(op, obj, original, class_name="G", seq=1, ts=0.0).changed() == ["b"]


@pytest.mark.parametrize(
    ("args", "shallow"),
    [
        (TailArgs("Game", json=True), True),
        (TailArgs("Game", output="raw"), True),
        (TailArgs("Game", json=True, snapshot=True, also=["Player"], keys="score"), True),
        (TailArgs("Game", json=True, stats=True, status_events=True, events="update"), True),
        (TailArgs("Game"), False),  # pretty prints field values
        (TailArgs("Game", template="{op} {object.score}"), False),
        (TailArgs("Game", json=True, until="score > 3"), False),  # matches whole objects
        (TailArgs("Game", exec="true"), False),  # hands whole objects to a command
    ],
)
def test_which_tails_read_shallowly(args: TailArgs, shallow: bool, isolated_config: Path) -> None:
    env = Environment(
        stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(),
        env={"LQ_CONFIG_DIR": str(isolated_config), "LQ_APP_ID": "app"},
    )  # fmt: skip
    assert prepare_tail(env, args).shallow is shallow
