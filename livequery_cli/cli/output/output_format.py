"""The names of ``lq``'s output formats and record kinds, as enums.

Flags, completions, the format factory and the ``--json`` envelope all spell
these names; a ``StrEnum`` member is the string itself on the wire and in
comparisons, so the envelope's bytes do not change while typos become
``AttributeError`` at import instead of a silent mismatch.
"""

from __future__ import annotations

from enum import StrEnum, unique

__all__ = ["OutputFormat", "RecordKind"]


@unique
class OutputFormat(StrEnum):
    """What ``--output``/``--json``/``--template`` selects."""

    PRETTY = "pretty"
    JSON = "json"
    RAW = "raw"
    TEMPLATE = "template"


# What ``-o/--output`` accepts (``template`` comes with ``--template TEXT``).
OUTPUT_CHOICES = (OutputFormat.PRETTY, OutputFormat.JSON, OutputFormat.RAW)


@unique
class RecordKind(StrEnum):
    """The ``kind`` of a ``--json`` record."""

    EVENT = "event"
    """A live event (or one a resync recovered: ``synthetic``)."""
    SNAPSHOT = "snapshot"
    """A member of the initial result set (``--snapshot``)."""
    OBJECT = "object"
    """A member of a result set read once (``lq find``)."""
    STATUS = "status"
    """A connection state change (``--status-events``)."""
