"""The JSON codec's share of an event, measured in-process on the firehose's own frames.

Every consumer that prints JSON lines decodes each frame and encodes a line:
``orjson.loads`` of the frame and ``orjson.dumps`` of what it prints. That
work alone bounds the events per second one core can reach, whatever the
rest of the consumer does, so the throughput table reports it next to the
consumers: a consumer close to this ceiling has little left to win in Python.

Run alone: ``python -m bench.codec_floor [--events N]``.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import orjson

from bench.events import build_templates

_HEADER_MAX = 10  # a server frame's header: 2, 4 or 10 bytes


def _payload(frame: bytes) -> bytes:
    """The JSON text of one pre-encoded WebSocket frame."""
    length = frame[1] & 0x7F
    start = 2 if length < 126 else 4 if length == 126 else _HEADER_MAX
    return frame[start:]


def measure(events: int = 200_000, templates: int = 1000) -> dict[str, Any]:
    """Per-event µs of decoding the frames and of encoding their objects, and the ceiling."""
    payloads = [_payload(bytes(t.frame)) for t in build_templates(templates)]
    count = len(payloads)
    loads, dumps = orjson.loads, orjson.dumps
    decoded = [loads(p) for p in payloads]
    rounds = max(1, events // count)
    start = time.process_time()
    for _ in range(rounds):
        for payload in payloads:
            loads(payload)
    decode_s = time.process_time() - start
    start = time.process_time()
    for _ in range(rounds):
        for msg in decoded:
            dumps(msg)
    encode_s = time.process_time() - start
    n = rounds * count
    decode_us = decode_s / n * 1e6
    encode_us = encode_s / n * 1e6
    mean_bytes = sum(len(p) for p in payloads) / count
    return {
        "events": n,
        "mean_frame_bytes": round(mean_bytes),
        "decode_us": round(decode_us, 2),
        "encode_us": round(encode_us, 2),
        "ceiling_events_per_s": round(1e6 / (decode_us + encode_us)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.events)))


if __name__ == "__main__":
    main()
