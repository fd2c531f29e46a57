"""Who may read or write an object: Parse ACLs, roles and the master key.

An ACL maps ``"*"``, a user's objectId or ``"role:NAME"`` to
``{"read": bool, "write": bool}``. No ACL means public read and write; the
master key passes every check. An :class:`Identity` is resolved once per
session token (see ``auth.py``) and then checked against ACLs with set
lookups only, so the LiveQuery fan-out never touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from livequery_cli.parse.errors import ErrorCode
from livequery_cli.server.rest_errors import ParseApiError


@dataclass(frozen=True)
class Identity:
    """The caller: master or not, its user (if any) and the names of its roles."""

    master: bool = False
    user_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    def acl_names(self) -> list[str]:
        names = ["*"]
        if self.user_id is not None:
            names.append(self.user_id)
        names.extend("role:" + role for role in self.roles)
        return names


ANONYMOUS = Identity()
MASTER = Identity(master=True)


def _allows(acl: Any, identity: Identity, right: str) -> bool:
    if identity.master or not isinstance(acl, dict):
        return True
    entry = acl.get("*")
    if isinstance(entry, dict) and entry.get(right) is True:
        return True
    if identity.user_id is not None:
        entry = acl.get(identity.user_id)
        if isinstance(entry, dict) and entry.get(right) is True:
            return True
    for role in identity.roles:
        entry = acl.get("role:" + role)
        if isinstance(entry, dict) and entry.get(right) is True:
            return True
    return False


def can_read(acl: Any, identity: Identity) -> bool:
    return _allows(acl, identity, "read")


def can_write(acl: Any, identity: Identity) -> bool:
    return _allows(acl, identity, "write")


def is_public_read(acl: Any) -> bool:
    """True when anybody may read: the fan-out skips identity lookups for such objects."""
    if not isinstance(acl, dict):
        return True
    entry = acl.get("*")
    return isinstance(entry, dict) and entry.get("read") is True


def validate_acl(acl: Any) -> None:
    """Reject an ACL that is not ``{name: {"read"?: bool, "write"?: bool}}`` (code 123)."""
    if not isinstance(acl, dict):
        raise ParseApiError(ErrorCode.INVALID_ACL, "Invalid ACL: it must be an object")
    for name, perms in acl.items():
        if not isinstance(perms, dict) or not name:
            raise ParseApiError(ErrorCode.INVALID_ACL, f"Invalid ACL entry for {name!r}")
        for right, value in perms.items():
            if right not in ("read", "write") or not isinstance(value, bool):
                raise ParseApiError(
                    ErrorCode.INVALID_ACL, f"Invalid permission type in the ACL: {right!r}"
                )
