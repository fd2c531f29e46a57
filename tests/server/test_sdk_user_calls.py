"""The official Parse JS SDK's user calls on Parse Server 9 and ``lq serve``: same outcomes.

``tests/node/sdk_user_calls.js``: a sign-up with an ACL of its own keeps the
user's own access and can save itself; ``Parse.User.verifyPassword`` answers
the user without a session token (101 when wrong); changing or destroying
another user is 206 "Permission denied"; ``Parse.User.loginAs`` (master key)
gives a working session for another user.
"""

from __future__ import annotations

from typing import Any

from support.node_scripts import run_node_script

OWN = {"read": True, "write": True}
DENIED = {"ok": False, "code": 206, "message": "Permission denied"}


def test_sdk_user_calls(server: Any) -> None:
    records = run_node_script("sdk_user_calls.js", server, with_master_key=True)
    steps = {
        r["step"]: {k: v for k, v in r.items() if k not in ("kind", "step")} for r in records[:-1]
    }
    assert records[-1] == {"kind": "done"}
    email = steps["verifyPassword"].pop("email")
    assert email.endswith("@example.com")
    assert steps == {
        "signUpAcl": {"acl": [["*", {"read": True}], ["me", OWN]]},
        "saveSelf": {"ok": True, "value": "saved"},
        "verifyPassword": {"ok": True, "sameUser": True, "token": None},
        "verifyWrongPassword": {"ok": False, "code": 101},
        "changeOtherUser": DENIED,
        "deleteOtherUser": DENIED,
        "loginAs": {"ok": True, "hasToken": True, "meIsOther": True},
    }
