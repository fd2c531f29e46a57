"""The firehose's pre-encoded frames are valid LiveQuery frames and stamp correctly.

`bench.events` is loaded by path: the benchmark package lives at the repo root,
outside the test path.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

EVENTS_PY = Path(__file__).resolve().parents[2] / "bench" / "events.py"


@pytest.fixture(scope="module")
def events() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_events_under_test", EVENTS_PY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _payload(frame: bytes) -> dict[str, object]:
    assert frame[0] == 0x81  # FIN + text, unmasked (server to client)
    length = frame[1]
    header = 2
    if length == 126:
        length = int.from_bytes(frame[2:4], "big")
        header = 4
    assert len(frame) == header + length
    decoded: dict[str, object] = json.loads(frame[header:])
    return decoded


def test_templates_are_parse_event_frames_of_all_five_types(events: ModuleType) -> None:
    templates = events.build_templates(50)
    ops = set()
    for template in templates:
        body = _payload(template.frame)
        ops.add(body["op"])
        assert body["op"] == template.op
        assert body["requestId"] == 1
        assert ("original" in body) == (template.op in {"enter", "update", "leave"})
        obj = body["object"]
        assert isinstance(obj, dict)
        assert obj["className"] == "GameScore"
        assert obj["owner"]["__type"] == "Pointer"
        assert obj["lastSeen"]["__type"] == "Date"
        assert obj["location"]["__type"] == "GeoPoint"
        assert len(obj) >= 10
        if "original" in body:
            assert "benchSeq" not in body["original"]  # readers find the object's stamp first
    assert ops == {"create", "update", "enter", "leave", "delete"}


def test_stamping_writes_values_a_reader_finds_without_changing_the_length(
    events: ModuleType,
) -> None:
    template = events.build_templates(3)[1]
    frame = bytearray(template.frame)
    events.stamp(frame, template, 12345, 987654321012345)
    assert len(frame) == len(template.frame)
    body = _payload(bytes(frame))
    assert body["object"]["benchSeq"] == 12345
    assert body["object"]["benchSentNs"] == 987654321012345
    line = json.dumps(body, separators=(",", ":")).encode()
    assert events.find_int(line, events.SEQ_KEY) == 12345
    assert events.find_int(line, events.NS_KEY) == 987654321012345
    assert events.find_int(b'{"op":"create"}', events.SEQ_KEY) is None
