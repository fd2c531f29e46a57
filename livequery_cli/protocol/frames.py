"""Typed LiveQuery frames, and the codec between them and JSON text.

Every frame on the wire is a JSON object with an ``op``. Client requests
(``connect``, ``subscribe``, ``update``, ``unsubscribe``) are built by us, so
encoding trusts them. Server frames come from a peer we do not control, so
``decode_server_frame`` checks every field the client relies on (``op``,
``requestId``, ``code``...) and raises ``ProtocolError`` with a one-line
reason otherwise. Object bodies (``object``, ``original``) are only checked to
be JSON objects: walking them would cost more than the rest of the decode, and
the event path must sustain more than 100k frames per second.

Frames that carry secrets (master key, session tokens) keep them out of their
``repr`` so that logging a frame never leaks one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, Final, Literal, TypeAlias

import orjson

from livequery_cli.exceptions import ProtocolError
from livequery_cli.parse.json_types import JsonObject

__all__ = [
    "OBJECT_OPS",
    "ClientFrame",
    "ConnectRequest",
    "ConnectedFrame",
    "CreateFrame",
    "DeleteFrame",
    "EnterFrame",
    "ErrorFrame",
    "LeaveFrame",
    "ObjectFrame",
    "ObjectOp",
    "ServerFrame",
    "SubscribeRequest",
    "SubscribedFrame",
    "UnsubscribeRequest",
    "UnsubscribedFrame",
    "UpdateFrame",
    "UpdateRequest",
    "decode_message",
    "decode_server_frame",
    "encode",
    "object_event_fields",
    "parse_message",
]

ObjectOp: TypeAlias = Literal["create", "update", "enter", "leave", "delete"]
OBJECT_OPS: Final[frozenset[str]] = frozenset({"create", "update", "enter", "leave", "delete"})
ClientId: TypeAlias = "str | int | None"


# --- client -> server -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectRequest:
    """``connect``: the first frame on every socket; the server checks the keys."""

    application_id: str
    javascript_key: str | None = field(default=None, repr=False)
    master_key: str | None = field(default=None, repr=False)
    client_key: str | None = field(default=None, repr=False)
    rest_api_key: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)
    installation_id: str | None = None

    def to_json(self) -> JsonObject:
        out: JsonObject = {"op": "connect", "applicationId": self.application_id}
        for name, value in (
            ("javascriptKey", self.javascript_key),
            ("masterKey", self.master_key),
            ("clientKey", self.client_key),
            ("restAPIKey", self.rest_api_key),
            ("sessionToken", self.session_token),
            ("installationId", self.installation_id),
        ):
            if value is not None:
                out[name] = value
        return out


@dataclass(frozen=True, slots=True)
class SubscribeRequest:
    """``subscribe``: ``query`` is ``{className, where, keys?, watch?}``."""

    request_id: int
    query: JsonObject
    session_token: str | None = field(default=None, repr=False)

    op: ClassVar[str] = "subscribe"

    def to_json(self) -> JsonObject:
        out: JsonObject = {"op": self.op, "requestId": self.request_id, "query": self.query}
        if self.session_token is not None:
            out["sessionToken"] = self.session_token
        return out


@dataclass(frozen=True, slots=True)
class UpdateRequest(SubscribeRequest):
    """``update``: replaces the query of a live subscription (same ``requestId``).

    The same shape as ``subscribe``; only the ``op`` differs.
    """

    op: ClassVar[str] = "update"


@dataclass(frozen=True, slots=True)
class UnsubscribeRequest:
    """``unsubscribe``: the server answers ``unsubscribed``."""

    request_id: int

    def to_json(self) -> JsonObject:
        return {"op": "unsubscribe", "requestId": self.request_id}


ClientFrame: TypeAlias = "ConnectRequest | SubscribeRequest | UpdateRequest | UnsubscribeRequest"


def encode(frame: ClientFrame) -> str:
    """The JSON text of a client frame."""
    return orjson.dumps(frame.to_json()).decode()


# --- server -> client -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConnectedFrame:
    """``connected``: the server accepted ``connect``."""

    client_id: ClientId = None


@dataclass(frozen=True, slots=True)
class SubscribedFrame:
    """``subscribed``: a ``subscribe`` or ``update`` is live."""

    request_id: int
    client_id: ClientId = None


@dataclass(frozen=True, slots=True)
class UnsubscribedFrame:
    """``unsubscribed``: the server dropped the subscription.

    Usually the answer to ``unsubscribe``. A server may also end a subscription
    on its own (``lq serve`` does when the session it relied on ends); it then
    says why in ``code``/``error`` (e.g. 209), fields Parse's answer lacks.
    """

    request_id: int
    client_id: ClientId = None
    code: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectFrame:
    """An object event; ``original`` is set for ``update``, ``enter`` and ``leave``."""

    request_id: int
    object: JsonObject
    original: JsonObject | None = None
    client_id: ClientId = None

    op: ClassVar[ObjectOp]


@dataclass(frozen=True, slots=True)
class CreateFrame(ObjectFrame):
    op: ClassVar[ObjectOp] = "create"


@dataclass(frozen=True, slots=True)
class UpdateFrame(ObjectFrame):
    op: ClassVar[ObjectOp] = "update"


@dataclass(frozen=True, slots=True)
class EnterFrame(ObjectFrame):
    op: ClassVar[ObjectOp] = "enter"


@dataclass(frozen=True, slots=True)
class LeaveFrame(ObjectFrame):
    op: ClassVar[ObjectOp] = "leave"


@dataclass(frozen=True, slots=True)
class DeleteFrame(ObjectFrame):
    op: ClassVar[ObjectOp] = "delete"


@dataclass(frozen=True, slots=True)
class ErrorFrame:
    """``error``: ``request_id`` is None for connection-level errors.

    ``reconnect`` is the server's verdict on whether retrying can help.
    """

    code: int
    error: str
    reconnect: bool = True
    request_id: int | None = None
    client_id: ClientId = None


ServerFrame: TypeAlias = (
    "ConnectedFrame | SubscribedFrame | UnsubscribedFrame | ObjectFrame | ErrorFrame"
)


def _request_id(msg: JsonObject, op: str) -> int:
    rid = msg.get("requestId")
    if type(rid) is not int:
        if rid is None:
            raise ProtocolError(f"'{op}' frame without requestId")
        raise ProtocolError(f"'{op}' frame with a non-integer requestId")
    return rid


def _connected(msg: JsonObject) -> ConnectedFrame:
    return ConnectedFrame(msg.get("clientId"))


def _subscribed(msg: JsonObject) -> SubscribedFrame:
    return SubscribedFrame(_request_id(msg, "subscribed"), msg.get("clientId"))


def _unsubscribed(msg: JsonObject) -> UnsubscribedFrame:
    code = msg.get("code")
    error = msg.get("error")
    return UnsubscribedFrame(
        _request_id(msg, "unsubscribed"),
        msg.get("clientId"),
        code if type(code) is int else None,
        error if isinstance(error, str) else None,
    )


def _object_decoder(
    cls: type[ObjectFrame], *, with_original: bool
) -> Callable[[JsonObject], ObjectFrame]:
    op = cls.op

    def decode(msg: JsonObject) -> ObjectFrame:
        rid = _request_id(msg, op)
        obj = msg.get("object")
        if type(obj) is not dict:
            raise ProtocolError(f"'{op}' frame without an object")
        original = msg.get("original") if with_original else None
        if original is not None and type(original) is not dict:
            raise ProtocolError(f"'{op}' frame with a non-object original")
        return cls(rid, obj, original, msg.get("clientId"))

    return decode


def _error(msg: JsonObject) -> ErrorFrame:
    code = msg.get("code")
    if type(code) is not int:
        raise ProtocolError("'error' frame without an integer code")
    text = msg.get("error")
    if not isinstance(text, str):
        # Parse always sends a message; keep a readable fallback rather than failing.
        text = "" if text is None else str(text)
    reconnect = msg.get("reconnect", True)
    if type(reconnect) is not bool:
        raise ProtocolError("'error' frame with a non-boolean reconnect")
    rid = msg.get("requestId")
    if rid is not None and type(rid) is not int:
        raise ProtocolError("'error' frame with a non-integer requestId")
    return ErrorFrame(code, text, reconnect, rid, msg.get("clientId"))


_DECODERS: Final[dict[str, Callable[[JsonObject], ServerFrame]]] = {
    "connected": _connected,
    "subscribed": _subscribed,
    "unsubscribed": _unsubscribed,
    "create": _object_decoder(CreateFrame, with_original=False),
    "delete": _object_decoder(DeleteFrame, with_original=False),
    "update": _object_decoder(UpdateFrame, with_original=True),
    "enter": _object_decoder(EnterFrame, with_original=True),
    "leave": _object_decoder(LeaveFrame, with_original=True),
    "error": _error,
}


def decode_server_frame(data: str | bytes) -> ServerFrame:
    """Parse one server frame, or raise ``ProtocolError`` saying what is wrong."""
    return decode_message(parse_message(data))


def parse_message(data: str | bytes) -> JsonObject:
    """The JSON object of a frame, or ``ProtocolError`` if it is not one."""
    try:
        msg = orjson.loads(data)
    except orjson.JSONDecodeError:
        raise ProtocolError("frame is not valid JSON") from None
    if type(msg) is not dict:
        raise ProtocolError(f"frame is a JSON {_json_kind(msg)}, not an object")
    return msg


_WITH_ORIGINAL: Final[frozenset[str]] = frozenset({"update", "enter", "leave"})


def object_event_fields(
    msg: JsonObject,
) -> tuple[int, ObjectOp, JsonObject, JsonObject | None] | None:
    """``(requestId, op, object, original)`` of a well-formed object event, else None.

    The event path's shortcut: no frame object is built for the frames that
    make up nearly all the traffic. None means "not an object event, or a
    malformed one": ``decode_message`` then says which, with the same checks.
    """
    op = msg.get("op")
    if type(op) is not str or op not in OBJECT_OPS:
        return None
    rid = msg.get("requestId")
    obj = msg.get("object")
    original = msg.get("original") if op in _WITH_ORIGINAL else None
    if type(rid) is not int or type(obj) is not dict:
        return None
    if original is not None and type(original) is not dict:
        return None
    return rid, op, obj, original  # type: ignore[return-value]  # op is in OBJECT_OPS


def decode_message(msg: JsonObject) -> ServerFrame:
    """The typed frame of a parsed JSON object, or ``ProtocolError``."""
    op = msg.get("op")
    decoder = _DECODERS.get(op) if isinstance(op, str) else None
    if decoder is None:
        if op is None:
            raise ProtocolError("frame without an op")
        raise ProtocolError(f"unknown op {_short(op)}")
    return decoder(msg)


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def _short(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
