"""``lq serve`` stays quiet when a client drops during the WebSocket handshake.

A client that sends its upgrade request and resets the connection before the
``101`` answer is written is an ordinary event on a network; aiohttp used to
log it as "Error handling request" with a full traceback on every occurrence.
"""

from __future__ import annotations

import socket
import struct
import urllib.request
from typing import Any

from support.lq_server import LqServer

DROPS = 40


def drop_during_handshake(port: int) -> None:
    request = (
        f"GET /parse HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        # Linger 0: close() sends a reset at once, before the server answers.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(request.encode())


def test_no_traceback_when_clients_drop_during_the_handshake(lq_server_factory: Any) -> None:
    own_server: LqServer = lq_server_factory()  # its own log, read whole below
    for _ in range(DROPS):
        drop_during_handshake(own_server.port)
    # The server still answers, and has handled the drops by then (one event loop, in order).
    with urllib.request.urlopen(f"{own_server.rest_url}/health", timeout=10) as answer:
        assert answer.status == 200
    own_server.stop()
    log = own_server.log_tail(lines=10_000)
    assert "Traceback" not in log, log
    assert "Error handling request" not in log, log
