"""The layout's rules, checked: who may import whom, no cycles, names that mean one thing.

docs/architecture.md states these rules; this file is what keeps them true.
Parents of a package (``livequery_cli`` itself, whose ``__init__`` re-exports
the public API lazily) are not layers and are left out of the layer rules.
"""

from __future__ import annotations

from collections import Counter

import pytest
from architecture.import_graph import PACKAGE, cycles, graph, modules

EDGES = graph()


def _in(module: str, *folders: str) -> bool:
    return any(module == f"{PACKAGE}.{f}" or module.startswith(f"{PACKAGE}.{f}.") for f in folders)


def _outside(module: str, allowed: tuple[str, ...]) -> bool:
    return module != PACKAGE and not _in(module, *allowed)


# folder -> (folders it may import besides itself, or None for "anything but" rule below)
ONLY = {
    "parse": (),
    "exceptions": ("parse",),
    "protocol": ("parse", "exceptions"),
    "where": ("parse", "exceptions"),
    "matching": ("parse", "exceptions"),
}
NEVER = {
    "client": ("cli", "server"),
    "server": ("client", "cli", "synced"),
    "synced": ("cli", "server"),
    "sync": ("cli", "server"),
}


@pytest.mark.parametrize("layer", sorted(ONLY))
def test_a_low_layer_imports_only_the_layers_below_it(layer: str) -> None:
    allowed = (layer, *ONLY[layer])
    bad = sorted(
        f"{src} -> {dst}"
        for src, targets in EDGES.items()
        if _in(src, layer)
        for dst in targets
        if _outside(dst, allowed)
    )
    assert bad == []


@pytest.mark.parametrize("layer", sorted(NEVER))
def test_a_layer_never_imports_the_layers_above_it(layer: str) -> None:
    bad = sorted(
        f"{src} -> {dst}"
        for src, targets in EDGES.items()
        if _in(src, layer)
        for dst in targets
        if _in(dst, *NEVER[layer])
    )
    assert bad == []


def test_the_import_graph_has_no_cycles_lazy_imports_included() -> None:
    assert cycles(EDGES) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_two_modules_share_a_basename() -> None:
    names = Counter(
        name.rsplit(".", 1)[-1] for name, path in modules().items() if path.stem != "__init__"
    )
    names.pop("__main__", None)
    assert sorted(name for name, n in names.items() if n > 1) == []


def test_no_module_exceeds_500_lines() -> None:
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text("utf-8").splitlines())) > 500
    }
    assert long == {}
