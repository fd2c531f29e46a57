"""Live queries on Parse-compatible servers: a client library, the ``lq`` CLI and ``lq serve``.

The public API (``__all__``) is a contract checked by ``tests/test_public_api.py``.
"""

from __future__ import annotations

__version__ = "0.1.0"
