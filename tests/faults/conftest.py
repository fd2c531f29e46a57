"""Fixtures for the fault suites: the ``lq serve`` handle next to the Parse Server rig."""

from __future__ import annotations

from rig.lq_server import lq_server, lq_server_factory

__all__ = ["lq_server", "lq_server_factory"]
