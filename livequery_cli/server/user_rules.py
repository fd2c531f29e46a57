"""The rules Parse Server applies to writes of ``_User`` objects beyond plain ACLs.

- A user can never lock itself out: whatever ACL a sign-up carries, the new
  user gets read and write access to itself, and so does a user who changes
  its own ACL (only the master key may store a user ACL without that entry).
- Changing or deleting a user without being that user is "session missing"
  (206), not "object not found" (101): SDKs branch on 206 to tell the app it
  must log in as that user. Parse answers 206 even when the user does not
  exist, and for an anonymous caller even when the ACL would allow the write.
- ``emailVerified`` says the server checked the address; a client setting it on
  itself would defeat that, so Parse Server refuses it without the master key
  (119, "Clients aren't allowed to manually update email verification.").
- Usernames are unique the way Parse Server compares them: case-insensitively
  ("Snoopy" blocks "snoopy"), while login still needs the exact spelling.
  ``lq serve`` goes one step further than Parse (which, on PostgreSQL, accepts
  both ``bob`` and ``bob`` + U+200B): the uniqueness key also drops invisible
  characters (Unicode default-ignorable code points: zero-width spaces and
  joiners, bidi marks, soft hyphens, variation selectors...) and applies NFKC,
  so a second account cannot be made to look exactly like an existing one.
  Stored usernames are kept as given.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.parse.json_types import JsonObject
from livequery_cli.server.acl import Identity, can_write
from livequery_cli.server.rest_errors import ParseApiError

# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt) that are
# not already format characters (category Cf, dropped by category below).
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul choseong / jungseong fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian free variation selectors, vowel separator
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),  # unassigned specials
    (0xE0000, 0xE0FFF),  # tags, variation selectors supplement
)


def _invisible(char: str) -> bool:
    if unicodedata.category(char) == "Cf":
        return True
    code = ord(char)
    return any(low <= code <= high for low, high in _IGNORABLE_RANGES)


def username_key(username: str) -> str:
    """What two usernames must differ in: case, invisible characters and NFKC folded away."""
    if username.isascii() and username.isprintable():
        return username.lower()  # printable ASCII is NFKC-stable and has nothing invisible
    visible = "".join(c for c in unicodedata.normalize("NFKC", username) if not _invisible(c))
    return unicodedata.normalize("NFKC", visible.casefold())


def check_user_write(data: JsonObject, identity: Identity) -> None:
    """Refuse what only the master key may set on a ``_User`` (sign-up or update)."""
    if "emailVerified" in data and not identity.master:
        raise ParseApiError(
            ErrorCode.OPERATION_FORBIDDEN,
            "Clients aren't allowed to manually update email verification.",
        )


def with_own_access(acl: Any, user_id: str) -> JsonObject:
    """``acl`` (None: empty) plus read and write for the user itself, as Parse stores it."""
    result: JsonObject = dict(acl) if isinstance(acl, dict) else {}
    result[user_id] = {"read": True, "write": True}
    return result


def refuse_foreign_user_write(
    identity: Identity, stored: JsonObject | None, *, deleting: bool
) -> None:
    """Raise Parse's 206 unless the caller may change or delete the ``_User`` ``stored``.

    The master key may (a missing user is then the caller's 101); a caller
    without a session never may; a user may when the stored ACL lets it write.
    """
    if identity.master:
        return
    if identity.user_id is None:
        if deleting:
            raise ParseApiError(ErrorCode.SESSION_MISSING, "Insufficient auth to delete user")
        raise ParseApiError(ErrorCode.SESSION_MISSING, "Permission denied")
    if stored is None or not can_write(stored.get("ACL"), identity):
        raise ParseApiError(ErrorCode.SESSION_MISSING, "Permission denied")
