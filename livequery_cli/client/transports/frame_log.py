"""The logger given to ``websockets``' protocol: frame logging without frame contents.

At DEBUG, ``websockets`` logs every frame it sends or receives with the start
and end of its payload, and the first frame the client sends is ``connect``
with the master key, the JavaScript key and the session token in it (so are
``subscribe`` and ``update`` with a token). A payload cut short is still most
of a secret, and redacting by pattern cannot work on a cut payload, so data
frames are logged with their opcode and size only; control frames (ping,
pong, close) and the HTTP handshake are logged as ``websockets`` writes them,
except the values of credential headers (``Authorization``, sent for a URL
with ``user:password@``, and cookies). The records go to the logger
``livequery_cli.client.transports.websocket``.
"""

from __future__ import annotations

import logging
from typing import Any

from websockets.frames import Frame, Opcode

__all__ = ["FRAME_LOGGER", "FrameContentFilter"]

_DATA = (Opcode.TEXT, Opcode.BINARY, Opcode.CONT)
_HEADER_LINES = ("> %s: %s", "< %s: %s")
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


class FrameContentFilter(logging.LoggerAdapter[logging.Logger]):
    """Replaces a data frame argument by ``TEXT [123 bytes]`` before it is formatted."""

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if args and isinstance(args[0], Frame) and args[0].opcode in _DATA:
            frame = args[0]
            args = (f"{frame.opcode.name} [{len(frame.data)} bytes, not logged]", *args[1:])
        elif (
            msg in _HEADER_LINES and len(args) == 2 and str(args[0]).lower() in _CREDENTIAL_HEADERS
        ):
            args = (args[0], "[not logged]")
        super().log(level, msg, *args, **kwargs)


FRAME_LOGGER = FrameContentFilter(logging.getLogger("livequery_cli.client.transports.websocket"))
