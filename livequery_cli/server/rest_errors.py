"""Parse's REST error answers: ``{"code": N, "error": "..."}`` with Parse's HTTP status.

Parse Server maps every ``Parse.Error`` to HTTP 400, except "object not found"
(404) and internal errors (500); a request whose keys are wrong gets 403 with
``{"error": "unauthorized"}`` and no code. Clients branch on the code, so the
codes here are Parse's own numbers.
"""

from __future__ import annotations

from livequery_cli.parse.errors import ErrorCode

_STATUS_FOR = {ErrorCode.OBJECT_NOT_FOUND: 404, ErrorCode.INTERNAL_SERVER_ERROR: 500}


class ParseApiError(Exception):
    """An error answer to a REST request; ``status`` defaults the way Parse Server does."""

    def __init__(self, code: ErrorCode | None, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is None:
            status = _STATUS_FOR.get(code, 400) if code is not None else 400
        self.status = status

    def to_json(self) -> dict[str, object]:
        if self.code is None:
            return {"error": self.message}
        return {"code": self.code, "error": self.message}


def unauthorized(message: str = "unauthorized") -> ParseApiError:
    """Wrong or missing application keys: HTTP 403 without a Parse code, as Parse answers."""
    return ParseApiError(None, message, status=403)


def not_found() -> ParseApiError:
    return ParseApiError(ErrorCode.OBJECT_NOT_FOUND, "Object not found.")


def invalid_session() -> ParseApiError:
    return ParseApiError(ErrorCode.INVALID_SESSION_TOKEN, "Invalid session token")
