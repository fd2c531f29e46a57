"""The names a REST query may use, with Parse Server 9's error codes.

Parse Server checks the keys of ``where`` (and of every ``$or``/``$and``/
``$nor`` branch) against ``^[a-zA-Z][a-zA-Z0-9_.]*$`` and answers 105 "Invalid
key name" for anything else, ``$foo`` included; querying on ``ACL`` is 102.
``order`` fields must be valid field names (``_password``, ``length``,
``className`` are 105). Clients branch on these codes, so REST ``find``
applies the same rules before matching. LiveQuery keeps its own rule (102 for
an unknown ``$`` key): Parse's LiveQuery server never applied this check.

A field hidden from the caller cannot be queried or sorted on either (119
"Permission denied", Parse's ``protectedFields``): a user's ``email`` for
anybody but the master key and the user itself (a query naming its own
``objectId``). Matching runs on the caller's view, so such a query could
only ever find nothing; the error tells the client why, as Parse does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.server.acl import Identity
from livequery_cli.server.documents import FIELD_NAME
from livequery_cli.server.rest_errors import ParseApiError

_WHERE_KEY: Final = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.]*$")
_AUTH_DATA_ID: Final = re.compile(r"^authData\.([a-zA-Z0-9_]+)\.id$")
LOGICAL: Final = ("$or", "$and", "$nor")
# Parse reads these legacy spellings of the timestamps in ``order``.
_ORDER_ALIASES: Final = {"_created_at": "createdAt", "_updated_at": "updatedAt"}
_SHOWN_LENGTH: Final = 60
# Parse Server's default ``protectedFields``: ``{"_User": {"*": ["email"]}}``.
_PROTECTED: Final = {"_User": frozenset({"email"})}


def shown(name: str) -> str:
    """A client-supplied name as an error message may show it: one line, bounded."""
    if name.isprintable() and len(name) <= _SHOWN_LENGTH:
        return name
    return repr(name[:_SHOWN_LENGTH])


def check_where_keys(where: Any) -> None:
    """Parse's ``validateQuery`` on key names, recursing into the logical operators."""
    if not isinstance(where, dict):
        return
    if "ACL" in where:
        raise ParseApiError(ErrorCode.INVALID_QUERY, "Cannot query on ACL.")
    for key, value in where.items():
        if key in LOGICAL:
            if isinstance(value, list):
                for branch in value:
                    check_where_keys(branch)
            continue
        if not isinstance(key, str) or not _WHERE_KEY.match(key):
            raise ParseApiError(ErrorCode.INVALID_KEY_NAME, f"Invalid key name: {shown(key)}")


def sort_fields(order: list[str] | None) -> list[str]:
    """``order`` checked as Parse checks it, ``-`` prefixes kept, legacy names mapped.

    ``$score`` (text-search relevance) is dropped: there is no text search here.
    """
    fields: list[str] = []
    for entry in order or []:
        descending = entry.startswith("-")
        name = entry[1:] if descending else entry
        name = _ORDER_ALIASES.get(name, name)
        if name == "$score":
            continue
        if _AUTH_DATA_ID.match(name):
            raise ParseApiError(ErrorCode.INVALID_KEY_NAME, f"Cannot sort by {shown(name)}")
        root = name.split(".")[0]
        if not FIELD_NAME.match(root):
            raise ParseApiError(ErrorCode.INVALID_KEY_NAME, f"Invalid field name: {shown(name)}.")
        fields.append(("-" if descending else "") + name)
    return fields


def _where_roots(where: Any) -> Iterator[str]:
    if not isinstance(where, dict):
        return
    for key, value in where.items():
        if key in LOGICAL and isinstance(value, list):
            for branch in value:
                yield from _where_roots(branch)
        elif isinstance(key, str):
            yield key.split(".")[0]


def check_protected_fields(
    class_name: str, identity: Identity, where: Any, order: list[str]
) -> None:
    """119 for a ``where`` key or ``order`` field the caller may not see (Parse's rule)."""
    protected = _PROTECTED.get(class_name)
    if protected is None or identity.master:
        return
    owner = identity.user_id
    if owner is not None and isinstance(where, dict) and where.get("objectId") == owner:
        return  # the owner sees, so may query, its own protected fields
    named = {*_where_roots(where), *(field.lstrip("-").split(".")[0] for field in order)}
    if named & protected:
        raise ParseApiError(ErrorCode.OPERATION_FORBIDDEN, "Permission denied")
