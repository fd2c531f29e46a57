"""Parse REST JSON values, reduced to what the matcher compares.

Objects reach the matcher as Parse REST JSON: scalars, arrays, sub-objects and
typed values (``{"__type": "Date", "iso": ...}``, ``Pointer``, ``GeoPoint``,
...). Two reductions are enough for every operator:

- ``canonical(value)`` maps a value to a hashable key such that two values are
  equal, in Parse's sense, exactly when their keys are equal: dates compare as
  instants, pointers by ``className`` + ``objectId`` (a full ``Object`` counts
  as a pointer to itself), GeoPoints by coordinates, sub-objects regardless of
  key order. ``True`` and ``1`` stay distinct, as in JavaScript. Being
  hashable, the keys also serve ``$in`` sets and the subscription index.
- ``order_key(value)`` maps a value to ``(bracket, comparable)`` for
  ``$lt``/``$gt``/...: numbers, strings, dates and booleans each form their own
  bracket and only compare within it, as MongoDB (what Parse REST ``find``
  runs on) does. JavaScript's coercions, which make ``{"$gt": 100}`` match an
  object *without* the field in Parse's LiveQuery, are deliberately not
  reproduced.

``createdAt`` and ``updatedAt`` are special: Parse serialises them as bare ISO
strings, not ``Date`` values, and Parse's matcher then compares those strings
with ``Date`` constraints, which never rejects anything. Here both sides of a
comparison on those two fields are read as instants, whether they arrive as
ISO strings or ``Date`` values (``canonical_time``/``order_key(..., time=True)``).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Final

__all__ = [
    "MISSING",
    "TIME_FIELDS",
    "as_geopoint",
    "canonical",
    "canonical_time",
    "iso_to_micros",
    "lookup_path",
    "order_key",
]

TIME_FIELDS: Final = frozenset({"createdAt", "updatedAt"})

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)


class _Missing:
    """The value of a field an object does not have (JavaScript's ``undefined``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

# Booleans get tagged keys: in Python ``True == 1`` and ``hash(True) == hash(1)``,
# but a Parse query for ``1`` must not match ``true``.
_TRUE: Final = ("bool", True)
_FALSE: Final = ("bool", False)


@lru_cache(maxsize=4096)
def iso_to_micros(text: str) -> int | None:
    """Microseconds since the epoch for an ISO-8601 string, ``None`` if it is not one.

    Naive timestamps are taken as UTC, which is what Parse writes. Cached:
    the same ``createdAt`` is read once per candidate subscription.
    """
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _MICROSECOND


def _date_micros(value: Mapping[str, object]) -> int | None:
    iso = value.get("iso")
    return iso_to_micros(iso) if isinstance(iso, str) else None


def canonical(value: object) -> Hashable:
    """A hashable key equal for exactly the values Parse considers equal."""
    kind = value.__class__
    if kind is str or kind is int or kind is float or value is None or value is MISSING:
        return value
    if kind is bool:
        return _TRUE if value else _FALSE
    if kind is list:
        return ("list", tuple(canonical(item) for item in value))  # type: ignore[attr-defined]
    if isinstance(value, Mapping):
        return _canonical_mapping(value)
    if isinstance(value, Hashable):
        return value
    return ("unhashable", repr(value))


def _canonical_mapping(value: Mapping[str, object]) -> Hashable:
    parse_type = value.get("__type")
    if parse_type == "Date":
        micros = _date_micros(value)
        if micros is not None:
            return ("date", micros)
    elif parse_type == "Pointer" or parse_type == "Object":
        return ("ptr", canonical(value.get("className")), canonical(value.get("objectId")))
    elif parse_type == "GeoPoint":
        point = as_geopoint(value)
        if point is not None:
            return ("geo", point[0], point[1])
    elif parse_type == "File":
        return ("file", canonical(value.get("name")))
    elif parse_type == "Bytes":
        return ("bytes", canonical(value.get("base64")))
    items = sorted(value.items(), key=lambda item: item[0])
    return ("obj", tuple((key, canonical(item)) for key, item in items))


def canonical_time(value: object) -> Hashable:
    """``canonical`` for ``createdAt``/``updatedAt``: ISO strings become instants."""
    if value.__class__ is str:
        micros = iso_to_micros(value)
        if micros is not None:
            return ("date", micros)
    return canonical(value)


def order_key(value: object, *, time: bool = False) -> tuple[int, object] | None:
    """``(bracket, comparable)`` for range operators, ``None`` if the value has no order.

    Brackets: 0 numbers, 1 strings, 2 dates, 3 booleans. With ``time`` set
    (the ``createdAt``/``updatedAt`` fields) strings that parse as ISO-8601
    are dates.
    """
    kind = value.__class__
    if kind is int or kind is float:
        return (0, value)
    if kind is str:
        if time:
            micros = iso_to_micros(value)
            if micros is not None:
                return (2, micros)
        return (1, value)
    if kind is bool:
        return (3, value)
    if isinstance(value, Mapping) and value.get("__type") == "Date":
        micros = _date_micros(value)
        if micros is not None:
            return (2, micros)
    return None


def as_geopoint(value: object) -> tuple[float, float] | None:
    """``(latitude, longitude)`` of a GeoPoint JSON value, ``None`` for anything else.

    ``__type`` may be absent (``{"latitude": .., "longitude": ..}`` is how
    ``$box`` corners and ``$polygon`` vertices often arrive); booleans are not
    coordinates.
    """
    if not isinstance(value, Mapping):
        return None
    parse_type = value.get("__type", "GeoPoint")
    latitude = value.get("latitude")
    longitude = value.get("longitude")
    if parse_type != "GeoPoint" or not _is_number(latitude) or not _is_number(longitude):
        return None
    return (float(latitude), float(longitude))  # type: ignore[arg-type]


def _is_number(value: object) -> bool:
    kind = value.__class__
    return kind is int or kind is float


def lookup_path(obj: Mapping[str, object], parts: tuple[str, ...]) -> object:
    """The value at a dotted path, descending through sub-objects; ``MISSING`` if absent.

    Like Parse, only JSON objects are descended into: a path through an array
    or a scalar finds nothing.
    """
    current: object = obj
    for part in parts:
        if not isinstance(current, Mapping):
            return MISSING
        current = current.get(part, MISSING)
    return current
