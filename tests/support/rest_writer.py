"""A small synchronous Parse REST client, for tests only.

Tests drive the server through this writer rather than through the product's
own REST client so that a bug in the product cannot hide itself: the writer is
deliberately independent (stdlib ``urllib`` only, no shared code) and boring.
It is synchronous because tests call it between awaits; each call is a short
request to a local server.

Secrets (master key, session tokens) are sent as headers and never appear in
its repr or in the exceptions it raises.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

JSON = dict[str, Any]

#: Parse's error code for "class already exists" (schema create).
CLASS_ALREADY_EXISTS = 103


class ParseRestError(Exception):
    """A Parse REST call failed; ``code`` is Parse's error code (or -1 for transport errors)."""

    def __init__(self, method: str, path: str, status: int, code: int, message: str) -> None:
        super().__init__(f"{method} {path} -> HTTP {status}, Parse code {code}: {message}")
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.message = message


def make_acl(
    *,
    public_read: bool = False,
    public_write: bool = False,
    readers: Iterable[str] = (),
    writers: Iterable[str] = (),
) -> JSON:
    """Build Parse ACL JSON. ``readers``/``writers`` hold user objectIds or ``role:Name``."""
    acl: JSON = {}
    if public_read or public_write:
        acl["*"] = {k: True for k, on in (("read", public_read), ("write", public_write)) if on}
    for reader in readers:
        acl.setdefault(reader, {})["read"] = True
    for writer in writers:
        acl.setdefault(writer, {})["write"] = True
    return acl


def pointer(class_name: str, object_id: str) -> JSON:
    return {"__type": "Pointer", "className": class_name, "objectId": object_id}


def class_path(class_name: str, object_id: str | None = None) -> str:
    """The REST path of a class or an object (``users``/``roles`` for the system classes)."""
    base = {"_User": "users", "_Role": "roles", "_Session": "sessions"}.get(
        class_name, f"classes/{class_name}"
    )
    return base if object_id is None else f"{base}/{object_id}"


class RestWriter:
    """Create, change and read Parse objects over REST, as a client app or with the master key.

    Every method takes ``session_token=`` (act as that user) and ``master=``
    (send the master key). Without either it acts as an anonymous client using
    the REST API key.
    """

    def __init__(
        self,
        rest_url: str,
        app_id: str,
        *,
        master_key: str,
        rest_key: str | None = None,
        js_key: str | None = None,
        timeout: float = 15.0,
    ) -> None:
        self.rest_url = rest_url.rstrip("/")
        self.app_id = app_id
        self._master_key = master_key
        self._rest_key = rest_key
        self._js_key = js_key
        self.timeout = timeout
        self.mount_path = urllib.parse.urlsplit(self.rest_url).path

    def __repr__(self) -> str:
        return f"<RestWriter {self.rest_url} app={self.app_id!r}>"

    # -- transport -----------------------------------------------------------------

    def _headers(self, session_token: str | None, master: bool) -> dict[str, str]:
        headers = {"X-Parse-Application-Id": self.app_id, "Content-Type": "application/json"}
        if master:
            headers["X-Parse-Master-Key"] = self._master_key
        elif self._rest_key is not None:
            headers["X-Parse-REST-API-Key"] = self._rest_key
        elif self._js_key is not None:
            headers["X-Parse-Javascript-Key"] = self._js_key
        if session_token is not None:
            headers["X-Parse-Session-Token"] = session_token
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: Mapping[str, Any] | None = None,
        session_token: str | None = None,
        master: bool = False,
    ) -> Any:
        """One REST call; ``path`` is relative to the mount (``classes/Game``). Returns the JSON."""
        url = f"{self.rest_url}/{path.lstrip('/')}"
        if params:
            encoded = {
                key: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
                for key, value in params.items()
                if value is not None
            }
            url = f"{url}?{urllib.parse.urlencode(encoded)}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            url, data=data, method=method, headers=self._headers(session_token, master)
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raw = error.read()
            code, message = -1, raw.decode(errors="replace")[:300]
            try:
                payload = json.loads(raw)
                code, message = int(payload.get("code", -1)), str(payload.get("error", message))
            except (ValueError, AttributeError):
                pass
            raise ParseRestError(method, path, error.code, code, message) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise ParseRestError(method, path, 0, -1, f"no answer: {reason}") from None
        return json.loads(raw) if raw else None

    # -- objects -----------------------------------------------------------------------

    def create(
        self,
        class_name: str,
        fields: Mapping[str, Any] | None = None,
        *,
        acl: JSON | None = None,
        session_token: str | None = None,
        master: bool = False,
    ) -> JSON:
        """Create an object; returns the fields sent plus className, objectId and timestamps."""
        body = dict(fields or {})
        if acl is not None:
            body["ACL"] = acl
        result = self.request(
            "POST", class_path(class_name), body, session_token=session_token, master=master
        )
        return {
            **body,
            **result,
            "className": class_name,
            "updatedAt": result.get("updatedAt", result["createdAt"]),
        }

    def update(
        self,
        class_name: str,
        object_id: str,
        fields: Mapping[str, Any],
        *,
        session_token: str | None = None,
        master: bool = False,
    ) -> JSON:
        """Update fields (plain values or Parse ops such as ``{"__op": "Increment"}``)."""
        result: JSON = self.request(
            "PUT",
            class_path(class_name, object_id),
            dict(fields),
            session_token=session_token,
            master=master,
        )
        return result

    def set_acl(
        self,
        class_name: str,
        object_id: str,
        acl: JSON,
        *,
        session_token: str | None = None,
        master: bool = True,
    ) -> JSON:
        return self.update(
            class_name, object_id, {"ACL": acl}, session_token=session_token, master=master
        )

    def delete(
        self,
        class_name: str,
        object_id: str,
        *,
        session_token: str | None = None,
        master: bool = False,
    ) -> None:
        self.request(
            "DELETE", class_path(class_name, object_id), session_token=session_token, master=master
        )

    def get(
        self,
        class_name: str,
        object_id: str,
        *,
        session_token: str | None = None,
        master: bool = False,
    ) -> JSON:
        result: JSON = self.request(
            "GET", class_path(class_name, object_id), session_token=session_token, master=master
        )
        result.setdefault("className", class_name)
        return result

    def find(
        self,
        class_name: str,
        where: Mapping[str, Any] | None = None,
        *,
        order: str | None = None,
        limit: int | None = None,
        skip: int | None = None,
        keys: Sequence[str] | None = None,
        session_token: str | None = None,
        master: bool = False,
    ) -> list[JSON]:
        params: dict[str, Any] = {
            "where": dict(where) if where else None,
            "order": order,
            "limit": limit,
            "skip": skip,
            "keys": ",".join(keys) if keys else None,
        }
        result = self.request(
            "GET", class_path(class_name), params=params, session_token=session_token, master=master
        )
        objects: list[JSON] = result["results"]
        for obj in objects:
            obj.setdefault("className", class_name)
        return objects

    def count(
        self,
        class_name: str,
        where: Mapping[str, Any] | None = None,
        *,
        session_token: str | None = None,
        master: bool = False,
    ) -> int:
        params = {"where": dict(where) if where else None, "count": 1, "limit": 0}
        result = self.request(
            "GET", class_path(class_name), params=params, session_token=session_token, master=master
        )
        return int(result["count"])

    def batch(
        self,
        operations: Sequence[Mapping[str, Any]],
        *,
        session_token: str | None = None,
        master: bool = False,
    ) -> list[JSON]:
        """Run ``[{"method": "POST", "path": "classes/Game", "body": {...}}, ...]`` in one request.

        Paths are relative to the mount, like :meth:`request`'s. Returns Parse's
        per-operation results (``{"success": ...}`` or ``{"error": ...}``).
        """
        requests = [
            {
                "method": op["method"],
                "path": f"{self.mount_path}/{str(op['path']).lstrip('/')}",
                **({"body": op["body"]} if op.get("body") is not None else {}),
            }
            for op in operations
        ]
        result: list[JSON] = self.request(
            "POST", "batch", {"requests": requests}, session_token=session_token, master=master
        )
        return result

    # -- schema ----------------------------------------------------------------------

    def ensure_class(self, class_name: str, fields: Mapping[str, str] | None = None) -> None:
        """Create a class with the master key unless it exists (clients may not create classes).

        ``fields`` maps field names to Parse types (``"String"``, ``"Number"``, ...).
        """
        body: JSON = {"className": class_name}
        if fields:
            body["fields"] = {name: {"type": kind} for name, kind in fields.items()}
        try:
            self.request("POST", f"schemas/{class_name}", body, master=True)
        except ParseRestError as error:
            if error.code != CLASS_ALREADY_EXISTS:
                raise

    def class_names(self) -> list[str]:
        result = self.request("GET", "schemas", master=True)
        return [schema["className"] for schema in result["results"]]

    # -- users, sessions, roles ----------------------------------------------------------

    def sign_up(self, username: str, password: str, **fields: Any) -> JSON:
        """Sign up; returns objectId, sessionToken, username and the other fields."""
        body = {"username": username, "password": password, **fields}
        result = self.request("POST", "users", body)
        return {**fields, "username": username, **result, "className": "_User"}

    def log_in(self, username: str, password: str) -> JSON:
        result: JSON = self.request("POST", "login", {"username": username, "password": password})
        return result

    def log_out(self, session_token: str) -> None:
        self.request("POST", "logout", {}, session_token=session_token)

    def me(self, session_token: str) -> JSON:
        result: JSON = self.request("GET", "users/me", session_token=session_token)
        return result

    def revoke_session(self, session_token: str) -> None:
        """Delete a session on the server with the master key (the token becomes invalid)."""
        sessions = self.find("_Session", {"sessionToken": session_token}, master=True)
        for session in sessions:
            self.delete("_Session", session["objectId"], master=True)

    def create_role(
        self,
        name: str,
        *,
        users: Iterable[str] = (),
        roles: Iterable[str] = (),
        acl: JSON | None = None,
    ) -> JSON:
        """Create a role (master key) holding the given user and role objectIds."""
        body: JSON = {"name": name, "ACL": acl if acl is not None else make_acl(public_read=True)}
        user_ids, role_ids = list(users), list(roles)
        if user_ids:
            body["users"] = {
                "__op": "AddRelation",
                "objects": [pointer("_User", uid) for uid in user_ids],
            }
        if role_ids:
            body["roles"] = {
                "__op": "AddRelation",
                "objects": [pointer("_Role", rid) for rid in role_ids],
            }
        return self.create("_Role", body, master=True)

    def add_users_to_role(self, role_id: str, user_ids: Iterable[str]) -> JSON:
        objects = [pointer("_User", uid) for uid in user_ids]
        return self.update(
            "_Role", role_id, {"users": {"__op": "AddRelation", "objects": objects}}, master=True
        )

    def remove_users_from_role(self, role_id: str, user_ids: Iterable[str]) -> JSON:
        objects = [pointer("_User", uid) for uid in user_ids]
        return self.update(
            "_Role", role_id, {"users": {"__op": "RemoveRelation", "objects": objects}}, master=True
        )

    def health(self) -> JSON:
        result: JSON = self.request("GET", "health")
        return result
