"""The headers that identify an app and a caller to a Parse REST API.

Two clients send them: ``livequery_cli.client.rest`` (aiohttp) and the tail's
start-version read (``livequery_cli.cli.tail.start_version``, the standard
library, before aiohttp is imported), so the spelling lives here, in a
module that imports nothing.
"""

from __future__ import annotations

__all__ = ["parse_headers"]


def parse_headers(
    application_id: str,
    *,
    javascript_key: str | None = None,
    rest_api_key: str | None = None,
    master_key: str | None = None,
    session_token: str | None = None,
) -> dict[str, str]:
    """``X-Parse-*`` headers for the keys and token that are set (empty ones are left out)."""
    headers = {"X-Parse-Application-Id": application_id}
    for name, value in (
        ("X-Parse-JavaScript-Key", javascript_key),
        ("X-Parse-REST-API-Key", rest_api_key),
        ("X-Parse-Master-Key", master_key),
        ("X-Parse-Session-Token", session_token),
    ):
        if value:
            headers[name] = value
    return headers
