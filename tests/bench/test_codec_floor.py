"""The codec floor measures real work on the firehose's frames (no timing asserted)."""

from __future__ import annotations

from bench import codec_floor


def test_the_floor_decodes_every_template_and_reports_a_ceiling() -> None:
    floor = codec_floor.measure(events=2000, templates=50)
    assert floor["events"] == 2000
    assert 300 < floor["mean_frame_bytes"] < 5000
    assert floor["decode_us"] > 0
    assert floor["encode_us"] > 0
    per_event = floor["decode_us"] + floor["encode_us"]
    assert abs(floor["ceiling_events_per_s"] * per_event / 1e6 - 1) < 0.01


def test_payload_strips_each_header_length() -> None:
    from websockets.frames import Frame, Opcode

    for size in (5, 200, 70_000):
        body = b"x" * size
        frame = Frame(Opcode.TEXT, body).serialize(mask=False)
        assert codec_floor._payload(frame) == body
