"""How ``lq tail`` prints, from its flags and the output settings.

The output settings (``output``, ``color``, ``show``, ``timestamps``,
``max_backoff``) resolve like the connection settings: a flag wins, then the
``LQ_*`` variable, then the profile, then the default. A bad value names where
it came from, since a profile typo and a flag typo are fixed in different
places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from livequery_cli.cli.environment import COLOR_CHOICES, Environment
from livequery_cli.cli.exit_status import UsageError
from livequery_cli.cli.output.output_format import OUTPUT_CHOICES, OutputFormat
from livequery_cli.cli.output.timestamps import TIMESTAMP_STYLES
from livequery_cli.cli.settings.profiles import Settings
from livequery_cli.cli.tail.args import TailArgs

if TYPE_CHECKING:
    from livequery_cli.cli.environment import ColorChoice
    from livequery_cli.cli.tail.runner import Render

__all__ = ["DEFAULT_MAX_BACKOFF", "OutputChoice", "check_output_flags", "max_backoff"]

DEFAULT_MAX_BACKOFF = 5.0


def check_output_flags(args: TailArgs) -> None:
    """The checks on the output flags alone (before any setting is read)."""
    chosen = [
        name
        for name, given in (
            ("--json", args.json),
            (f"-o {args.output}", args.output is not None),
            ("--template", args.template is not None),
        )
        if given
    ]
    if len(chosen) > 1 and not (args.json and args.output == OutputFormat.JSON):
        raise UsageError("--json, --output and --template are mutually exclusive")


def _source(settings: Settings, name: str) -> str:
    return settings.values[name].source


def _fields(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))


def max_backoff(settings: Settings) -> float:
    """``--max-backoff`` (or its setting) in seconds; 5 s by default."""
    from livequery_cli.cli.durations import parse_duration

    text = settings.get("max_backoff")
    if text is None:
        return DEFAULT_MAX_BACKOFF
    try:
        return parse_duration(text)
    except ValueError as exc:
        source = _source(settings, "max_backoff")
        where = "--max-backoff" if source.startswith("flag") else f"max_backoff (from {source})"
        raise UsageError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class OutputChoice:
    """The resolved output: format, color, ``--show`` fields, timestamps, ``--wide``."""

    kind: OutputFormat
    color: ColorChoice
    show: tuple[str, ...]
    timestamps: str
    wide: bool
    template: str | None

    @classmethod
    def from_settings(cls, args: TailArgs, settings: Settings) -> OutputChoice:
        """Flags first (the ones ``args`` carries), then the resolved settings."""
        if args.template is not None:
            kind = OutputFormat.TEMPLATE
        elif args.json:
            kind = OutputFormat.JSON
        else:
            name = args.output if args.output is not None else settings.get("output")
            if name is not None and name not in OUTPUT_CHOICES:
                source = "flag" if args.output is not None else _source(settings, "output")
                where = "--output" if source == "flag" else f"output (from {source})"
                raise UsageError(f"{where}: unknown format {name!r} (choose pretty, json or raw)")
            kind = OutputFormat(name) if name else OutputFormat.PRETTY
        color_text = args.color if args.color is not None else settings.get("color")
        color: ColorChoice = "auto"
        if color_text is not None:
            for choice in COLOR_CHOICES:
                if color_text == choice:
                    color = choice
                    break
            else:
                source = "flag" if args.color is not None else _source(settings, "color")
                where = "--color" if source == "flag" else f"color (from {source})"
                raise UsageError(
                    f"{where}: unknown value {color_text!r} (choose auto, always or never)"
                )
        show = _fields(args.show if args.show is not None else settings.get("show"))
        stamp_text = args.timestamps if args.timestamps is not None else settings.get("timestamps")
        if stamp_text is not None and stamp_text not in TIMESTAMP_STYLES:
            source = "flag" if args.timestamps is not None else _source(settings, "timestamps")
            where = "--timestamps" if source == "flag" else f"timestamps (from {source})"
            raise UsageError(
                f"{where}: unknown style {stamp_text!r} (choose {', '.join(TIMESTAMP_STYLES)})"
            )
        return cls(
            kind=kind,
            color=color,
            show=show,
            timestamps=stamp_text or "local",
            wide=args.wide,
            template=args.template,
        )

    def render(self, env: Environment, *, class_width: int = 0) -> Render:
        """The per-event renderer for this output."""
        if self.kind is OutputFormat.JSON:
            from livequery_cli.cli.output.ndjson import JsonFormat

            return JsonFormat(terminal=env.stdout_isatty)
        if self.kind is OutputFormat.RAW:
            from livequery_cli.cli.output.ndjson import RawFormat

            return RawFormat(terminal=env.stdout_isatty)
        if self.kind is OutputFormat.TEMPLATE:
            from livequery_cli.cli.output.template import TemplateFormat

            return TemplateFormat(self.template or "")
        from livequery_cli.cli.output.pretty import DEFAULT_VALUE_LIMIT, PrettyFormat

        on_terminal = env.stdout_isatty and not self.wide
        return PrettyFormat(
            color=env.use_color(self.color, stream="stdout"),
            timestamps=self.timestamps,
            show=self.show,
            value_limit=DEFAULT_VALUE_LIMIT if on_terminal else None,
            class_width=class_width,
        )
