"""Parse's typed JSON values (Date, Pointer, GeoPoint) and encoding Python values into them.

Shared by the ``--where`` compiler and the ``Query`` builder so that both
produce byte-for-byte what the Parse JS SDK sends: a date is
``{"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"}`` (JavaScript's
``Date.toJSON()``: UTC, always milliseconds, ``Z``), a pointer is
``{"__type": "Pointer", "className": ..., "objectId": ...}``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

__all__ = ["GeoPoint", "Pointer", "encode", "encode_date", "iso_millis"]


def iso_millis(instant: datetime) -> str:
    """``instant`` as JavaScript's ``Date.toJSON()`` writes it (``naive`` is refused: ambiguous)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(
            f"naive datetime {instant.isoformat()} has no time zone: "
            "give it one, e.g. datetime(..., tzinfo=timezone.utc)"
        )
    utc = instant.astimezone(UTC)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )


def encode_date(value: datetime | date) -> dict[str, str]:
    """A Parse Date; a bare ``date`` means midnight UTC."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return {"__type": "Date", "iso": iso_millis(value)}


_CLASS_NAME = re.compile(r"_?[A-Za-z][A-Za-z0-9_]*")


@dataclass(frozen=True, slots=True)
class Pointer:
    """A reference to a Parse object: ``Pointer("Player", "xWMyZ4YEGZ")``."""

    class_name: str
    object_id: str

    def __post_init__(self) -> None:
        if not isinstance(self.class_name, str) or not _CLASS_NAME.fullmatch(self.class_name):
            raise ValueError(f"invalid class name for a pointer: {self.class_name!r}")
        if not isinstance(self.object_id, str) or not self.object_id:
            raise ValueError(f"invalid objectId for a pointer: {self.object_id!r}")

    def to_json(self) -> dict[str, str]:
        """Parse's JSON for the pointer: ``{"__type": "Pointer", "className", "objectId"}``."""
        return {"__type": "Pointer", "className": self.class_name, "objectId": self.object_id}


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A latitude/longitude pair, validated as ``Parse.GeoPoint`` validates it."""

    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        lat, lng = self.latitude, self.longitude
        if (
            isinstance(lat, bool)
            or isinstance(lng, bool)
            or not isinstance(lat, int | float)
            or not isinstance(lng, int | float)
            or math.isnan(lat)
            or math.isnan(lng)
        ):
            raise ValueError("GeoPoint latitude and longitude must be valid numbers")
        if lat < -90.0:
            raise ValueError(f"GeoPoint latitude out of bounds: {lat} < -90.0.")
        if lat > 90.0:
            raise ValueError(f"GeoPoint latitude out of bounds: {lat} > 90.0.")
        if lng < -180.0:
            raise ValueError(f"GeoPoint longitude out of bounds: {lng} < -180.0.")
        if lng > 180.0:
            raise ValueError(f"GeoPoint longitude out of bounds: {lng} > 180.0.")

    @classmethod
    def coerce(cls, value: object) -> GeoPoint:
        """Accept a GeoPoint, a ``(lat, lng)`` pair or a ``{"latitude", "longitude"}`` mapping."""
        if isinstance(value, GeoPoint):
            return value
        if isinstance(value, Mapping) and "latitude" in value and "longitude" in value:
            return cls(value["latitude"], value["longitude"])
        if isinstance(value, list | tuple) and len(value) == 2:
            return cls(value[0], value[1])
        raise TypeError(
            f"expected a GeoPoint, a (latitude, longitude) pair or a mapping, got {value!r}"
        )

    def to_json(self) -> dict[str, Any]:
        """Parse's JSON for the point: ``{"__type": "GeoPoint", "latitude", "longitude"}``."""
        return {"__type": "GeoPoint", "latitude": self.latitude, "longitude": self.longitude}


def encode(value: object) -> Any:
    """Encode a Python value as the JS SDK's ``encode(value, false, true)`` encodes a JS one.

    ``re.Pattern`` becomes its source (as a JS ``RegExp`` does); tuples and
    other sequences given as lists become JSON arrays. Anything JSON cannot
    carry (NaN, infinities, arbitrary objects) is refused here rather than by
    the socket later.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{value} cannot be sent to Parse (JSON has no NaN or infinity)")
        return value
    if isinstance(value, datetime | date):
        return encode_date(value)
    if isinstance(value, Pointer | GeoPoint):
        return value.to_json()
    if isinstance(value, re.Pattern):
        return value.pattern
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"object keys must be strings, got {k!r}")
            out[k] = encode(v)
        return out
    raise TypeError(f"cannot encode {type(value).__name__} value {value!r} for a Parse query")
