"""Parse's error codes, as one ``IntEnum``.

The numbers are Parse's own (``Parse.Error`` in the JS SDK, the same in
Parse Server's REST answers and LiveQuery ``error`` frames): clients branch on
them, so code that produces or reads one names it here instead of writing the
number. An ``IntEnum`` compares and serializes as the plain number, so
``{"code": ErrorCode.OBJECT_NOT_FOUND}`` goes on the wire as ``101``.

LiveQuery error frames reuse a few small numbers with their own meaning
(1 internal, 2 protocol, 3 subscribe refused, 4 wrong keys); they are here too,
named after what the LiveQuery server means by them.
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["AUTH_CODES", "ErrorCode"]


class ErrorCode(IntEnum):
    """A Parse error code (REST ``{"code": N}`` and LiveQuery ``error`` frames)."""

    INTERNAL_SERVER_ERROR = 1
    LIVE_QUERY_PROTOCOL = 2  # LiveQuery: a frame out of order (subscribe before connect)
    LIVE_QUERY_SUBSCRIBE = 3  # LiveQuery: no such subscription / subscribe refused
    LIVE_QUERY_KEYS = 4  # LiveQuery: the application id or keys are wrong
    CONNECTION_FAILED = 100
    OBJECT_NOT_FOUND = 101
    INVALID_QUERY = 102
    INVALID_CLASS_NAME = 103
    MISSING_OBJECT_ID = 104
    INVALID_KEY_NAME = 105
    INVALID_POINTER = 106
    INVALID_JSON = 107
    COMMAND_UNAVAILABLE = 108
    INCORRECT_TYPE = 111
    OPERATION_FORBIDDEN = 119
    INVALID_NESTED_KEY = 121
    INVALID_ACL = 123
    MISSING_REQUIRED_FIELD = 135  # _Installation: no installationId/deviceToken, no deviceType
    CHANGED_IMMUTABLE_FIELD = 136  # _Installation: installationId/deviceType/deviceToken changed
    DUPLICATE_VALUE = 137
    INVALID_ROLE_NAME = 139
    SCRIPT_FAILED = 141
    REQUEST_LIMIT_EXCEEDED = 155
    INVALID_VALUE = 162
    USERNAME_MISSING = 200
    PASSWORD_MISSING = 201
    USERNAME_TAKEN = 202
    EMAIL_TAKEN = 203
    EMAIL_MISSING = 204
    EMAIL_NOT_FOUND = 205
    SESSION_MISSING = 206
    MUST_CREATE_USER_THROUGH_SIGNUP = 207
    ACCOUNT_ALREADY_LINKED = 208
    INVALID_SESSION_TOKEN = 209


# Codes that mean "who you are is not accepted": no retry with the same
# credentials can help.
AUTH_CODES = frozenset({ErrorCode.LIVE_QUERY_KEYS, ErrorCode.INVALID_SESSION_TOKEN})
