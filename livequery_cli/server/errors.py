"""Parse's REST error answers: ``{"code": N, "error": "..."}`` with Parse's HTTP status.

Parse Server maps every ``Parse.Error`` to HTTP 400, except "object not found"
(404) and internal errors (500); a request whose keys are wrong gets 403 with
``{"error": "unauthorized"}`` and no code. Clients branch on the code, so the
codes here are Parse's own numbers.
"""

from __future__ import annotations

INTERNAL_SERVER_ERROR = 1
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
DUPLICATE_VALUE = 137
INVALID_ROLE_NAME = 139
SCRIPT_FAILED = 141
USERNAME_MISSING = 200
PASSWORD_MISSING = 201
USERNAME_TAKEN = 202
EMAIL_TAKEN = 203
SESSION_MISSING = 206
INVALID_SESSION_TOKEN = 209


class ParseApiError(Exception):
    """An error answer to a REST request; ``status`` defaults the way Parse Server does."""

    def __init__(self, code: int | None, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is None:
            status = {OBJECT_NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500}.get(code or 0, 400)
        self.status = status

    def to_json(self) -> dict[str, object]:
        if self.code is None:
            return {"error": self.message}
        return {"code": self.code, "error": self.message}


def unauthorized(message: str = "unauthorized") -> ParseApiError:
    """Wrong or missing application keys: HTTP 403 without a Parse code, as Parse answers."""
    return ParseApiError(None, message, status=403)


def not_found() -> ParseApiError:
    return ParseApiError(OBJECT_NOT_FOUND, "Object not found.")


def invalid_session() -> ParseApiError:
    return ParseApiError(INVALID_SESSION_TOKEN, "Invalid session token")
