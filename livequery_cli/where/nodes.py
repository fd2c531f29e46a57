"""The syntax tree of a ``--where`` expression.

Nodes are frozen dataclasses compared by value, so a test can say
``parse(text) == And((...))``. They hold decoded values (a date is an instant,
not the text the user typed), which is what lets the printer produce one
canonical spelling for every tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from livequery_cli.where.tokens import CompareOp

Path: TypeAlias = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DateValue:
    """``@2026-01-01T00:00:00Z``: an aware UTC instant, to the millisecond (as Parse keeps it)."""

    instant: datetime


@dataclass(frozen=True, slots=True)
class PointerValue:
    """``Player:xWMyZ4YEGZ``: a pointer to an object of another class."""

    class_name: str
    object_id: str


# Lists are tuples so that nodes stay hashable and immutable.
Value: TypeAlias = "str | int | float | bool | DateValue | PointerValue | tuple[Value, ...] | None"


@dataclass(frozen=True, slots=True)
class Comparison:
    """``path op value`` for ``= != > >= < <=``."""

    path: Path
    op: CompareOp
    value: Value


@dataclass(frozen=True, slots=True)
class Regex:
    """``path ~ pattern`` with flags drawn from ``ims`` (``~*`` adds ``i``), in that order."""

    path: Path
    pattern: str
    flags: str = ""


@dataclass(frozen=True, slots=True)
class Membership:
    """``path in [...]``, or ``path not in [...]`` when ``negated``."""

    path: Path
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Existence:
    """``path exists`` (``exists=True``) or ``path missing`` (``exists=False``)."""

    path: Path
    exists: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    """Two or more operands, all of which must hold."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Two or more operands, at least one of which must hold."""

    operands: tuple[Node, ...]


Node: TypeAlias = "Comparison | Regex | Membership | Existence | Not | And | Or"
