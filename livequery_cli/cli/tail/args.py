"""``lq tail``'s flags as one value, handed from the Typer function to the pipeline.

Kept apart from the command module so that the pipeline (``tail.setup``) and
other commands that run a tail (``lq demo``) can take it without importing the
Typer declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TailArgs"]


@dataclass
class TailArgs:
    """``lq tail``'s flags, as parsed by Typer."""

    class_name: str
    wheres: list[str] = field(default_factory=list)
    where_json: str | None = None
    query_file: str | None = None
    events: str | None = None
    keys: str | None = None
    watch_fields: str | None = None
    output: str | None = None
    json: bool = False
    template: str | None = None
    color: str | None = None
    """``--color``; ``None``: the ``color`` setting (``LQ_COLOR``, profile), else auto."""
    quiet: bool = False
    count: int | None = None
    timeout: str | None = None
    idle: str | None = None
    max_retries: int | None = None
    profile: str | None = None
    flags: dict[str, str | None] = field(default_factory=dict)
    also: list[str] = field(default_factory=list)
    snapshot: bool = False
    since: str | None = None
    resync: bool | None = None
    status_events: bool = False
    until: str | None = None
    exit_status: bool = False
    stats: bool = False
    stats_interval: str | None = None
    show: str | None = None
    timestamps: str | None = None
    wide: bool = False
    max_backoff: str | None = None
    exec: str | None = None
    shell: bool = False
    exec_concurrency: int = 1
    exec_timeout: str | None = None
    on_exec_error: str = "continue"
    argv: list[str] | None = None
    """The command line, to tell which ``--where`` follows which ``--also``."""
