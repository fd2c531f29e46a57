"""The server-frame decoder: every input decodes, or raises ``ProtocolError``. Nothing else."""

from __future__ import annotations

import json

from fuzz.strategies import SERVER_OPS, json_values, plausible_frames, raw_texts
from hypothesis import given, settings
from hypothesis import strategies as st

from livequery_cli.exceptions import ProtocolError
from livequery_cli.protocol.frames import decode_server_frame


def _decodes_or_protocol_error(data: str | bytes) -> None:
    try:
        decode_server_frame(data)
    except ProtocolError as error:
        message = str(error)
        assert message
        assert "\n" not in message
        assert len(message) < 500, "an error message must not echo a whole frame"


@settings(max_examples=400)
@given(raw_texts(SERVER_OPS))
def test_any_message_decodes_or_raises_protocol_error(data: str | bytes) -> None:
    _decodes_or_protocol_error(data)


@settings(max_examples=400)
@given(plausible_frames(SERVER_OPS))
def test_plausible_frames_decode_or_raise_protocol_error(frame: dict[str, object]) -> None:
    _decodes_or_protocol_error(json.dumps(frame))


@given(st.sampled_from(SERVER_OPS), json_values)
def test_wrong_typed_request_ids_are_protocol_errors(op: str, request_id: object) -> None:
    frame = {"op": op, "requestId": request_id, "object": {"objectId": "x"}, "code": 1,
             "error": "e", "reconnect": True, "clientId": "c"}  # fmt: skip
    _decodes_or_protocol_error(json.dumps(frame))


@given(st.binary(max_size=64))
def test_invalid_utf8_bytes_never_escape(data: bytes) -> None:
    _decodes_or_protocol_error(b'{"op": "create", "x": "' + data + b'"}')
