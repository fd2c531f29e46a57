"""Package namespaces that import their names on first use (PEP 562).

``livequery_cli`` and ``livequery_cli.synced`` list their public names and
where each is defined, and bring a module in only when one of its names is
first read: ``lq --version`` must not pay for the client stack, nor
``lq tail`` for the REST stack before it has subscribed. This module imports
nothing but ``importlib``, so using it costs the packages nothing.
"""

from __future__ import annotations

import importlib

# Not ``typing.TYPE_CHECKING``: see ``livequery_cli/__init__.py``.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, exports: dict[str, str], namespace: dict[str, object]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose ``namespace`` is its globals.

    ``exports`` maps each public name to the module that defines it. A name
    read once is stored in ``namespace``, so later reads skip ``__getattr__``.
    """

    def __getattr__(name: str) -> object:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
