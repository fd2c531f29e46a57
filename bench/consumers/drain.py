"""The firehose ceiling probe: a raw socket that walks frame headers and decodes nothing.

It shows how fast the firehose can deliver on this machine; every real
consumer must be well below this, or the firehose is what is being measured.
Usage: ``python -m bench.consumers.drain WS_URL COUNT``.
"""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlsplit

from bench import rawws
from bench.consumers.wire import CONNECT, SUBSCRIBE


def drain(url: str, count: int) -> None:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port or 80))
    reader = rawws.SocketReader(sock)
    rawws.client_handshake(sock, reader, f"{parts.hostname}:{parts.port}", parts.path or "/")
    for message in (CONNECT, SUBSCRIBE):
        sock.sendall(rawws.encode_frame(rawws.OP_TEXT, message.encode(), masked=True))
    buf = bytes(reader.buf)
    pos = 0
    frames = 0
    target = count + 2  # `connected` and `subscribed` come first
    while frames < target:
        size = len(buf)
        while frames < target and pos + 2 <= size:
            length = buf[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if pos + 4 > size:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif length == 127:
                if pos + 10 > size:
                    break
                length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if pos + head + length > size:
                break
            pos += head + length
            frames += 1
        if frames >= target:
            break
        chunk = sock.recv(1 << 20)
        if not chunk:
            raise SystemExit(f"connection closed after {frames - 2} events")
        buf = buf[pos:] + chunk
        pos = 0
    sock.close()


if __name__ == "__main__":
    drain(sys.argv[1], int(sys.argv[2]))
