"""Validation of client frames, equivalent to Parse Server's ``RequestSchema``.

Parse validates every frame against a JSON schema (``tv4``) and answers a
failure with error code 1; the checks here are the same rules written out by
hand: ``op`` is one of four; ``connect`` has a string ``applicationId`` and
only known string keys; ``subscribe``/``update`` have a numeric
``requestId`` and a ``query`` with string ``className``, object ``where`` and
optional non-empty, duplicate-free string arrays ``keys``/``watch``/``include``
(``fields`` is no longer accepted); ``unsubscribe`` has a numeric ``requestId``.
"""

from __future__ import annotations

from typing import Any

OPS = ("connect", "subscribe", "unsubscribe", "update")
_CONNECT_KEYS = frozenset(
    {
        "op",
        "applicationId",
        "javascriptKey",
        "masterKey",
        "clientKey",
        "windowsKey",
        "restAPIKey",
        "sessionToken",
        "installationId",
    }
)
_SUBSCRIBE_KEYS = frozenset({"op", "requestId", "query", "sessionToken"})
_QUERY_KEYS = frozenset({"className", "where", "keys", "watch", "include"})


class FrameError(ValueError):
    """A frame that fails the request schema; the message is sent back (error code 1)."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_extra(frame: dict[str, Any], allowed: frozenset[str]) -> None:
    for key in frame:
        if key not in allowed:
            raise FrameError(f"Additional properties not allowed: {key[:64]}")


def _check_string_list(name: str, value: Any) -> None:
    if not isinstance(value, list):
        raise FrameError(f"Invalid type: {name} must be an array")
    if not value:
        raise FrameError(f"Array is too short: {name} needs at least 1 item")
    if not all(isinstance(v, str) for v in value):
        raise FrameError(f"Invalid type: {name} must hold strings")
    if len(set(value)) != len(value):
        raise FrameError(f"Array items are not unique: {name}")


def validate_frame(frame: Any) -> str:
    """Check a decoded frame; returns its op, or raises :class:`FrameError`."""
    if not isinstance(frame, dict):
        raise FrameError("Invalid type: a request must be a JSON object")
    op = frame.get("op")
    if op is None:
        raise FrameError("Missing required property: op")
    if not isinstance(op, str) or op not in OPS:
        raise FrameError("No enum match for: op")
    if op == "connect":
        _check_extra(frame, _CONNECT_KEYS)
        if "applicationId" not in frame:
            raise FrameError("Missing required property: applicationId")
        for key, value in frame.items():
            if not isinstance(value, str):
                raise FrameError(f"Invalid type: {key} must be a string")
        return op
    if "requestId" not in frame:
        raise FrameError("Missing required property: requestId")
    if not _is_number(frame["requestId"]):
        raise FrameError("Invalid type: requestId must be a number")
    if op == "unsubscribe":
        _check_extra(frame, frozenset({"op", "requestId"}))
        return op
    _check_extra(frame, _SUBSCRIBE_KEYS)
    if "sessionToken" in frame and not isinstance(frame["sessionToken"], str):
        raise FrameError("Invalid type: sessionToken must be a string")
    query = frame.get("query")
    if query is None:
        raise FrameError("Missing required property: query")
    if not isinstance(query, dict):
        raise FrameError("Invalid type: query must be an object")
    _check_extra(query, _QUERY_KEYS)
    if "className" not in query:
        raise FrameError("Missing required property: className")
    if "where" not in query:
        raise FrameError("Missing required property: where")
    if not isinstance(query["className"], str):
        raise FrameError("Invalid type: className must be a string")
    if not isinstance(query["where"], dict):
        raise FrameError("Invalid type: where must be an object")
    for name in ("keys", "watch", "include"):
        if name in query:
            _check_string_list(name, query[name])
    return op
