"""The rig's rules that need no server: skip locally, fail in CI; stale directories go."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.fixtures import _unavailable
from support.scratch_dir import make_scratch_dir, sweep_stale


def test_missing_tools_skip_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="node is not installed"):
        _unavailable("node is not installed")


def test_missing_tools_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="unavailable in CI: node is not installed"):
        _unavailable("node is not installed")


def test_scratch_dirs_of_dead_owners_are_swept(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    stale = tmp_path / "lq-x-stale"
    stale.mkdir()
    (stale / "owner.pid").write_text(dead.stdout.strip())
    live = make_scratch_dir("lq-x-", str(tmp_path))

    sweep_stale("lq-x-", tmp_path)

    assert not stale.exists()
    assert live.is_dir()
    assert (live / "owner.pid").read_text() == str(os.getpid())
