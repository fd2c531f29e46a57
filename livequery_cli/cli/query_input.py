"""Turning ``lq tail``'s query flags into the subscribe query, and checking it first.

``--where`` (the mini-language, repeatable, ANDed), ``--where-json`` (Parse
``where`` JSON) and ``--query-file`` (a JSON subscribe query: ``where``,
``keys``, ``watch``) all end in one Parse ``where`` dict. It is validated
against what LiveQuery can evaluate before any connection is made: Parse
Server accepts ``$inQuery`` and friends and then silently never matches, the
worst possible failure for a monitoring tool.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from livequery_cli.cli.exit_status import UsageError
from livequery_cli.cli.output.event_record import EVENT_TYPES

QUERY_FILE_KEYS = frozenset({"className", "where", "keys", "watch"})


@dataclass(frozen=True)
class SubscribeQuery:
    """What one subscription asks the server for."""

    class_name: str
    where: dict[str, Any]
    keys: list[str] | None = None
    watch: list[str] | None = None

    def to_subscribe_query(self) -> dict[str, Any]:
        """The ``query`` of a ``subscribe`` frame."""
        query: dict[str, Any] = {"className": self.class_name, "where": self.where}
        if self.keys:
            query["keys"] = self.keys
        if self.watch:
            query["watch"] = self.watch
        return query

    def with_shown(self, show: Sequence[str]) -> SubscribeQuery:
        """This query, also asking for the ``--show`` fields when ``keys`` limits the fields.

        A pretty line prints the ``--show`` fields, which the server sends only
        if the keys name them (``keys`` name top-level fields, so ``level.boss``
        adds ``level``).
        """
        if not self.keys or not show:
            return self
        from dataclasses import replace

        tops = dict.fromkeys(field.split(".", 1)[0] for field in show)
        return replace(self, keys=[*self.keys, *(f for f in tops if f not in self.keys)])


def split_list(text: str | None, flag: str) -> list[str] | None:
    """``"a, b"`` -> ``["a", "b"]``; ``None`` stays ``None``; empty items are an error."""
    if text is None:
        return None
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise UsageError(f"{flag}: empty name in {text!r} (expected a comma-separated list)")
    return items


def parse_events(text: str | None) -> frozenset[str] | None:
    """The ``--events`` filter; unknown event types are a usage error."""
    names = split_list(text, "--events")
    if names is None:
        return None
    unknown = [name for name in names if name not in EVENT_TYPES]
    if unknown:
        raise UsageError(
            f"--events: unknown event type {unknown[0]!r} (choose from {', '.join(EVENT_TYPES)})"
        )
    return frozenset(names)


def compile_where_texts(texts: Sequence[str]) -> dict[str, Any]:
    """Compile the ``--where`` expressions (ANDed); raises ``WhereSyntaxError``."""
    if not texts:
        return {}
    from livequery_cli import where as where_language
    from livequery_cli.cli.where_regex import check_regexes

    compile_many = getattr(where_language, "compile_wheres", None)
    if compile_many is not None:
        compiled = dict(compile_many(list(texts)))
    else:
        compiled = and_wheres([where_language.compile_where(text) for text in texts])
    for text in texts:  # after the syntax: a parse error comes first
        check_regexes(text)
    return compiled


def and_wheres(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """AND several ``where`` dicts: merged when their keys are disjoint, else ``$and``."""
    parts = [part for part in parts if part]
    if not parts:
        return {}
    if len(parts) == 1:
        return dict(parts[0])
    merged: dict[str, Any] = {}
    for part in parts:
        if merged.keys() & part.keys():
            return {"$and": list(parts)}
        merged.update(part)
    return merged


def _load_json(text: str | bytes, what: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise UsageError(f"{what}: invalid JSON: {exc}") from None


def load_query_file(spec: str, stdin: IO[str]) -> Any:
    """The JSON of a ``--query-file`` (``-`` for stdin): one query object, or a list of them."""
    what = f"--query-file {spec}"
    try:
        text = stdin.read() if spec == "-" else Path(spec).read_text("utf-8")
    except OSError as exc:
        raise UsageError(f"{what}: {exc.strerror}") from None
    return _load_json(text, what)


def read_query_file(spec: str, stdin: IO[str]) -> dict[str, Any]:
    """Load a ``--query-file`` holding one query and check its shape."""
    return check_query_entry(load_query_file(spec, stdin), f"--query-file {spec}")


def check_query_entry(data: Any, what: str) -> dict[str, Any]:
    """Check one query object of a query file (``className``, ``where``, ``keys``, ``watch``)."""
    if not isinstance(data, dict):
        raise UsageError(f"{what}: expected a JSON object with 'where' (and 'keys', 'watch')")
    unknown = sorted(set(data) - QUERY_FILE_KEYS)
    if unknown:
        known = ", ".join(sorted(QUERY_FILE_KEYS))
        raise UsageError(f"{what}: unknown key {unknown[0]!r} (known: {known})")
    if not isinstance(data.get("where", {}), dict):
        raise UsageError(f"{what}: 'where' must be a JSON object")
    class_name = data.get("className")
    if class_name is not None and (not isinstance(class_name, str) or not class_name):
        raise UsageError(f"{what}: 'className' must be a class name")
    for key in ("keys", "watch"):
        value = data.get(key)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(item, str) for item in value)
        ):
            raise UsageError(f"{what}: {key!r} must be a list of field names")
    return data


def build_queries(
    class_name: str,
    *,
    wheres: Sequence[str] = (),
    where_json: str | None = None,
    query_file: str | None = None,
    keys: str | None = None,
    watch: str | None = None,
    stdin: IO[str] | None = None,
) -> list[SubscribeQuery]:
    """The queries of ``lq tail``: one, or one per entry of a query file holding a list.

    In a list, entries without ``className`` are on CLASS; the query flags
    (``--where``, ``--keys``...) cannot be combined with it, since they
    would apply to one query of several without saying which.
    """
    data: Any = None
    if query_file is not None:
        data = load_query_file(query_file, stdin if stdin is not None else io.StringIO())
    if not isinstance(data, list):
        if query_file is not None:
            data = check_query_entry(data, f"--query-file {query_file}")
        return [
            build_query(
                class_name,
                wheres=wheres,
                where_json=where_json,
                query_file=query_file,
                keys=keys,
                watch=watch,
                file_data=data,
            )
        ]
    if wheres or where_json is not None or keys is not None or watch is not None:
        raise UsageError(
            "--query-file with a list of queries cannot be combined with "
            "--where, --where-json, --keys or --watch-fields"
        )
    if not data:
        raise UsageError(f"--query-file {query_file}: the list of queries is empty")
    queries = []
    for n, entry in enumerate(data):
        checked = check_query_entry(entry, f"--query-file {query_file}, query {n + 1}")
        where = dict(checked.get("where") or {})
        validate(where)
        queries.append(
            SubscribeQuery(
                class_name=checked.get("className") or class_name,
                where=where,
                keys=checked.get("keys"),
                watch=checked.get("watch"),
            )
        )
    return queries


def build_query(
    class_name: str,
    *,
    wheres: Sequence[str] = (),
    where_json: str | None = None,
    query_file: str | None = None,
    keys: str | None = None,
    watch: str | None = None,
    stdin: IO[str] | None = None,
    file_data: Any = None,
) -> SubscribeQuery:
    """Combine the query flags into one validated ``SubscribeQuery``.

    ``file_data`` is the query file's JSON when the caller already read it.
    """
    if not class_name or class_name.startswith("-"):
        raise UsageError(f"invalid class name {class_name!r}")
    if where_json is not None and query_file is not None:
        raise UsageError("--where-json and --query-file cannot be used together")
    parts = [compile_where_texts(wheres)]
    file_keys: list[str] | None = None
    file_watch: list[str] | None = None
    if where_json is not None:
        parsed = _load_json(where_json, "--where-json")
        if not isinstance(parsed, dict):
            raise UsageError("--where-json: expected a JSON object")
        parts.append(parsed)
    if query_file is not None:
        if file_data is None:
            data = read_query_file(query_file, stdin if stdin is not None else io.StringIO())
        else:
            data = check_query_entry(file_data, f"--query-file {query_file}")
        file_class = data.get("className")
        if file_class is not None and file_class != class_name:
            raise UsageError(
                f"--query-file: className {file_class!r} does not match CLASS {class_name!r}"
            )
        parts.append(data.get("where") or {})
        file_keys = data.get("keys")
        file_watch = data.get("watch")
    where = and_wheres(parts)
    validate(where)
    return SubscribeQuery(
        class_name=class_name,
        where=where,
        keys=split_list(keys, "--keys") or file_keys,
        watch=split_list(watch, "--watch-fields") or file_watch,
    )


def validate(where: dict[str, Any]) -> None:
    """Reject what LiveQuery would accept and never match (raises ``QueryError``).

    An empty ``where`` (every object of the class) has nothing to reject, so
    ``lq tail CLASS`` does not import the matcher before it subscribes.
    """
    if not where:
        return
    from livequery_cli.matching import validate_where

    validate_where(where)
