"""Realistic LiveQuery event frames, pre-encoded so sending them costs almost nothing.

A consumer's speed depends on what it decodes, so the frames look like what
Parse Server 9 sends for a game-score class: ~10 user fields with nested
objects, arrays and the typed values (`Date`, `Pointer`, `GeoPoint`) an SDK has
to decode, `original` for `enter`/`update`/`leave`, and the five event types in
a fixed, update-heavy mix.

Each `object` carries two bench-only fields the downstream reader needs:
``benchSeq`` (0..N-1, to count loss and duplicates exactly) and
``benchSentNs`` (CLOCK_MONOTONIC nanoseconds when the firehose wrote the frame,
comparable across processes on Linux). Both are written as fixed-width,
space-padded numbers (JSON allows whitespace before a value), so a template can
be stamped in place without re-encoding or changing the frame length.
``original`` never carries them: a reader searching for the first occurrence
always finds the current object's values.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import orjson

CLASS_NAME = "GameScore"
SEQ_WIDTH = 10
NS_WIDTH = 19
SEQ_KEY = b'"benchSeq":'
NS_KEY = b'"benchSentNs":'

# One cycle of ten events: mostly updates, every type present.
OP_CYCLE = (
    "create",
    "update",
    "update",
    "enter",
    "update",
    "leave",
    "update",
    "update",
    "update",
    "delete",
)
OPS_WITH_ORIGINAL = frozenset({"enter", "update", "leave"})
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class Template:
    """One encoded WebSocket text frame with the offsets of its two stamp slots."""

    op: str
    frame: bytes
    seq_offset: int
    ns_offset: int


def _object_id(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(10))


def _iso(rng: random.Random, day: int) -> str:
    return (
        f"2026-11-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:"
        f"{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z"
    )


def _game_score(rng: random.Random, object_id: str, owner: str) -> dict[str, object]:
    return {
        "className": CLASS_NAME,
        "objectId": object_id,
        "createdAt": _iso(rng, 1),
        "updatedAt": _iso(rng, 2),
        "ACL": {"*": {"read": True}, f"user:{owner}": {"read": True, "write": True}},
        "playerName": rng.choice(["Sean Plott", "Ana Lima", "Kofi Mensah", "Yuki Sato"]),
        "score": rng.randrange(100_000),
        "cheatMode": rng.random() < 0.1,
        "ratio": round(rng.random(), 6),
        "level": {
            "name": rng.choice(["forest", "desert", "castle"]),
            "boss": rng.random() < 0.2,
            "stats": {"hp": rng.randrange(1000), "mana": rng.randrange(500)},
        },
        "tags": rng.sample(["pvp", "ranked", "weekend", "mobile", "beta", "eu"], 3),
        "owner": {"__type": "Pointer", "className": "_User", "objectId": owner},
        "lastSeen": {"__type": "Date", "iso": _iso(rng, 3)},
        "location": {
            "__type": "GeoPoint",
            "latitude": round(rng.uniform(-90, 90), 6),
            "longitude": round(rng.uniform(-180, 180), 6),
        },
    }


def _ws_header(length: int) -> bytes:
    """Server-to-client frames are unmasked: FIN + text opcode, then the length."""
    if length < 126:
        return bytes((0x81, length))
    if length < 1 << 16:
        return bytes((0x81, 126)) + length.to_bytes(2, "big")
    return bytes((0x81, 127)) + length.to_bytes(8, "big")


def encode_payload(
    op: str, object_: dict[str, object], original: dict[str, object] | None
) -> bytes:
    """The frame's JSON, in Parse Server's key order, with the stamp slots in `object`."""
    marker_seq = "\x00SEQ\x00"
    marker_ns = "\x00NS\x00"
    body: dict[str, object] = {"op": op, "clientId": 1, "requestId": 1}
    body["object"] = {**object_, "benchSeq": marker_seq, "benchSentNs": marker_ns}
    if original is not None:
        body["original"] = original
    raw = orjson.dumps(body)
    raw = raw.replace(orjson.dumps(marker_seq), b"0".rjust(SEQ_WIDTH))
    return raw.replace(orjson.dumps(marker_ns), b"0".rjust(NS_WIDTH))


def build_templates(count: int = 1000, seed: int = 6) -> list[Template]:
    """`count` distinct frames cycling through OP_CYCLE (deterministic for a seed)."""
    rng = random.Random(seed)
    owners = [_object_id(rng) for _ in range(20)]
    templates = []
    for i in range(count):
        op = OP_CYCLE[i % len(OP_CYCLE)]
        owner = rng.choice(owners)
        current = _game_score(rng, _object_id(rng), owner)
        original = None
        if op in OPS_WITH_ORIGINAL:
            original = {
                **current,
                "score": rng.randrange(100_000),
                "updatedAt": _iso(rng, 1),
                "cheatMode": not current["cheatMode"],
            }
        payload = encode_payload(op, current, original)
        header = _ws_header(len(payload))
        frame = header + payload
        seq_at = frame.index(SEQ_KEY) + len(SEQ_KEY)
        ns_at = frame.index(NS_KEY) + len(NS_KEY)
        templates.append(Template(op, frame, seq_at, ns_at))
    return templates


def stamp(frame: bytearray, template: Template, seq: int, sent_ns: int) -> None:
    """Write seq and send time into a copy of the template's frame, in place."""
    frame[template.seq_offset : template.seq_offset + SEQ_WIDTH] = b"%*d" % (SEQ_WIDTH, seq)
    frame[template.ns_offset : template.ns_offset + NS_WIDTH] = b"%*d" % (NS_WIDTH, sent_ns)


def find_int(line: bytes, key: bytes) -> int | None:
    """The integer after the first `key` in a line (no JSON parse: readers must be cheap)."""
    at = line.find(key)
    if at < 0:
        return None
    at += len(key)
    end = at
    size = len(line)
    while end < size and line[end] in b" 0123456789":
        end += 1
    digits = line[at:end].strip()
    return int(digits) if digits else None
