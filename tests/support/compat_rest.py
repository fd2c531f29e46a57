"""Helpers for the tests that hold ``lq serve`` and Parse Server 9 to the same REST answers.

Each such test runs against the ``server`` fixture (both servers) and checks
answers written down from Parse Server 9: objectIds become the names the
test gave its objects, timestamps become ``"T"``, so the same expectation
holds on both servers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from support.rest_writer import ParseRestError, RestWriter

JSON = dict[str, Any]
_TIMES = frozenset({"createdAt", "updatedAt"})


def ptr(class_name: str, object_id: str) -> JSON:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


class Scene:
    """Objects a test created on one server, by name, with a fresh tag to find them by."""

    def __init__(self, rest: RestWriter) -> None:
        self.rest = rest
        self.tag = f"cq-{uuid.uuid4().hex[:12]}"
        self.names: dict[str, str] = {}
        self.ids: dict[str, str] = {}
        self.tokens: dict[str, str] = {}

    def add(self, name: str, class_name: str, fields: Mapping[str, Any], **acl: Any) -> str:
        """Create an object (master key) tagged with the scene's tag; returns its objectId."""
        made = self.rest.create(class_name, {"tag": self.tag, **fields}, master=True, **acl)
        return self.named(name, made["objectId"])

    def named(self, name: str, object_id: str) -> str:
        self.names[object_id] = name
        self.ids[name] = object_id
        return object_id

    def user(self, name: str) -> str:
        """Sign up a user; returns (and keeps in ``tokens``) its session token."""
        made = self.rest.sign_up(f"{name}-{uuid.uuid4().hex[:10]}", "pw-compat")
        self.named(name, made["objectId"])
        token: str = made["sessionToken"]
        self.tokens[name] = token
        return token

    def norm(self, value: Any) -> Any:
        """``value`` with objectIds as names, timestamps as ``"T"``, no session tokens or tags.

        Relation fields are left out too: both servers show every relation field
        of the class on every object, and which relations a shared class has
        depends on the tests that ran before (``test_include`` checks them).
        """
        if isinstance(value, list):
            return [self.norm(item) for item in value]
        if not isinstance(value, dict):
            return self.names.get(value, value) if isinstance(value, str) else value
        out: JSON = {}
        for key, item in value.items():
            if key in ("sessionToken", "tag", "username") or _is_relation(item):
                continue
            if key in _TIMES:
                out[key] = "T"
            else:
                out[self.names.get(key, key)] = self.norm(item)
        return out

    def get(
        self, path: str, *, token: str | None = None, master: bool = False, **params: Any
    ) -> Any:
        """GET ``path`` normalised; a Parse error as ``("error", http_status, code)``."""
        return outcome(
            lambda: self.norm(
                self.rest.request("GET", path, params=params, session_token=token, master=master)
            )
        )

    def find(self, class_name: str, where: Mapping[str, Any] | None = None, **params: Any) -> Any:
        """``GET classes/<class>`` on this scene's objects (plus ``where``), normalised."""
        token = params.pop("token", None)
        master = params.pop("master", False)
        full = {"tag": self.tag, **(where or {})}
        return self.get(f"classes/{class_name}", token=token, master=master, where=full, **params)


def _is_relation(value: Any) -> bool:
    return isinstance(value, dict) and value.get("__type") == "Relation"


def outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ParseRestError as error:
        return ("error", error.status, error.code)


def names(answer: Any, field: str = "name") -> Any:
    """The ``field`` of each result of a find answer (or the error tuple unchanged)."""
    if isinstance(answer, tuple):
        return answer
    return [result.get(field) for result in answer["results"]]
