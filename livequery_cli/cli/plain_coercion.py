"""Converting ``lq``'s flag values without Pydantic, to keep start-up fast.

Typer (0.29) converts every parameter value through a Pydantic
``TypeAdapter``, built lazily per parameter; the first one imports Pydantic,
which costs more than importing Typer itself (about 60-100 ms) on every run
of every command, and the issue's start-up targets (``subscribed`` within
400 ms) cannot afford it. ``lq``'s parameters are only plain types (``str``,
``int``, ``float``, ``bool``, ``Path``, ``list[str]``), whose conversion is a
call to the type, so this module gives such parameters a plain converter
before Typer builds its own.

It relies on two Typer internals (``typer._coercion.RuntimeParam`` and a
parameter's ``_runtime_param`` slot). When they are not there (another Typer
version), ``install`` does nothing and Typer's own conversion applies, so the
cost of a Typer upgrade is start-up time, never behaviour.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_PLAIN_TYPES: dict[Any, Any] = {str: str, int: int, float: float, Path: Path}
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def _converter(annotation: Any) -> Any:
    """A function converting one raw value for ``annotation``, or None if not plain."""
    if annotation in _PLAIN_TYPES:
        return _PLAIN_TYPES[annotation]
    if annotation is bool:
        return _to_bool
    if annotation == list[str]:
        return list
    return None


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a valid boolean")


_TYPE_WORDS = {int: "integer", float: "number", bool: "boolean"}


def install(command: Any, help_option_names: list[str]) -> None:
    """Give every plain-typed parameter of ``command`` (and its subcommands) a plain converter.

    The help option is made per command on first use, from the context's
    ``help_option_names``; it is made here (and cached by the command, as
    Typer does) so that it gets a plain converter too.
    """
    try:
        from typer._click.exceptions import BadParameter
        from typer._coercion import RuntimeParam
    except ImportError:
        return

    class PlainParam(RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            convert = _converter(self.annotation)
            try:
                if self.annotation == list[str]:
                    return [str(item) for item in value]
                return convert(value)
            except (TypeError, ValueError):
                word = _TYPE_WORDS.get(self.annotation, getattr(self.annotation, "__name__", ""))
                raise BadParameter(
                    f"{value!r} is not a valid {word}.", ctx=ctx, param=param
                ) from None

    _install(command, PlainParam, help_option_names)


def _install(command: Any, plain: Any, help_option_names: list[str]) -> None:
    params = list(getattr(command, "params", ()))
    make_help = getattr(command, "get_help_option", None)
    if make_help is not None and hasattr(command, "context_class"):
        try:
            context = command.context_class(command, help_option_names=help_option_names)
            help_option = make_help(context)
        except Exception:  # a Typer whose internals differ: keep its own behaviour
            help_option = None
        if help_option is not None:
            params.append(help_option)
    for param in params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
            continue
        info = descriptor.parameter_info
        if (
            descriptor.file_annotation is not None
            or getattr(info, "parser", None) is not None
            or getattr(info, "min", None) is not None
            or getattr(info, "max", None) is not None
            or _converter(descriptor.annotation) is None
        ):
            continue
        param._runtime_param = plain(parameter_info=info, annotation=descriptor.annotation)
    for sub in getattr(command, "commands", {}).values():
        _install(sub, plain, help_option_names)
