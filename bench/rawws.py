"""A minimal RFC 6455 codec over blocking sockets, for the firehose and the drain probe.

A full WebSocket library spends several microseconds per frame in Python; the
firehose must outrun the fastest consumer, so it writes pre-encoded frames with
`sendall` and only decodes the handful of small frames clients send (connect,
subscribe, ping, close). No extensions are negotiated (Parse Server's `ws`
server has permessage-deflate off by default, so consumers see plain frames).
"""

from __future__ import annotations

import base64
import hashlib
import os
import socket
from dataclasses import dataclass

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    """The peer closed the TCP connection."""


@dataclass
class Frame:
    opcode: int
    payload: bytes


class SocketReader:
    """Buffered reads of exact byte counts from a blocking socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buf = bytearray()

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed
        self.buf += chunk

    def read_exact(self, size: int) -> bytes:
        while len(self.buf) < size:
            self._fill()
        data = bytes(self.buf[:size])
        del self.buf[:size]
        return data

    def read_until(self, marker: bytes, limit: int = 65536) -> bytes:
        while (at := self.buf.find(marker)) < 0:
            if len(self.buf) > limit:
                raise Closed
            self._fill()
        end = at + len(marker)
        data = bytes(self.buf[:end])
        del self.buf[:end]
        return data


def accept_key(client_key: str) -> str:
    digest = hashlib.sha1(client_key.encode() + GUID).digest()
    return base64.b64encode(digest).decode()


def server_handshake(sock: socket.socket, reader: SocketReader, head: bytes | None = None) -> str:
    """Answer the HTTP upgrade (``head``: the request, when already read); returns the path."""
    if head is None:
        head = reader.read_until(b"\r\n\r\n")
    request = head.decode("latin-1")
    lines = request.split("\r\n")
    path = lines[0].split(" ")[1] if " " in lines[0] else "/"
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    key = headers.get("sec-websocket-key", "")
    response = (
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
    )
    sock.sendall(response.encode())
    return path


def client_handshake(sock: socket.socket, reader: SocketReader, host: str, path: str) -> None:
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    sock.sendall(request.encode())
    head = reader.read_until(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n", 1)[0]:
        raise Closed


def _unmask(payload: bytes, mask: bytes) -> bytes:
    size = len(payload)
    key = int.from_bytes((mask * (size // 4 + 1))[:size], "big")
    return (int.from_bytes(payload, "big") ^ key).to_bytes(size, "big")


def read_frame(reader: SocketReader) -> Frame:
    """One frame (masked or not); fragmented messages are not expected here."""
    b0, b1 = reader.read_exact(2)
    length = b1 & 0x7F
    if length == 126:
        length = int.from_bytes(reader.read_exact(2), "big")
    elif length == 127:
        length = int.from_bytes(reader.read_exact(8), "big")
    mask = reader.read_exact(4) if b1 & 0x80 else b""
    payload = reader.read_exact(length) if length else b""
    if mask and payload:
        payload = _unmask(payload, mask)
    return Frame(b0 & 0x0F, payload)


def encode_frame(opcode: int, payload: bytes, *, masked: bool = False) -> bytes:
    length = len(payload)
    mask_bit = 0x80 if masked else 0
    if length < 126:
        header = bytes((0x80 | opcode, mask_bit | length))
    elif length < 1 << 16:
        header = bytes((0x80 | opcode, mask_bit | 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, mask_bit | 127)) + length.to_bytes(8, "big")
    if not masked:
        return header + payload
    mask = os.urandom(4)
    return header + mask + (_unmask(payload, mask) if payload else b"")
