"""Every module path the README and docs name exists, so a move cannot leave them behind."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", REPO / "BENCHMARKS.md", *sorted((REPO / "docs").glob("*.md"))]
NAME = re.compile(r"livequery_cli(?:[./][A-Za-z_][A-Za-z0-9_]*)+")


def _resolves(dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                target = getattr(target, attr)
        except AttributeError:
            return False
        return True
    return False


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_documented_module_path_exists(doc: Path) -> None:
    text = doc.read_text("utf-8")
    names = {m.group(0).replace("/", ".").removesuffix(".py") for m in NAME.finditer(text)}
    assert sorted(n for n in names if not _resolves(n)) == []


def test_paths_in_the_architecture_doc_are_real_folders() -> None:
    text = (REPO / "docs" / "architecture.md").read_text("utf-8")
    tree = text.split("```")[1]
    for folder in re.findall(r"^ +([a-z_]+)/", tree, flags=re.M):
        hits = [*(REPO / "livequery_cli").rglob(folder), *(REPO / "tests").glob(folder)]
        assert hits, folder
