"""Bringing in the REST stack while ``lq tail`` is already printing events.

``lq tail`` subscribes before it imports aiohttp and the REST client (see
docs/cli.md, "Start-up"), but the resync seed load and the session-token
check need them moments later, while events are streaming. Imported on the
event loop, they would stop it for a quarter of a second (aiohttp alone
builds two TLS contexts at import), and every event arriving meanwhile
would wait that long. So ``load_rest_stack`` imports them in a worker
thread, and callers await it before their first REST import:

- the switch interval is shortened meanwhile, so the loop's thread gets the
  GIL back within half a millisecond whenever a frame arrives, instead of
  the default 5 ms;
- the cyclic garbage collector is paused meanwhile: a collection triggered
  by the import's allocations would run while holding the GIL;
- afterwards everything allocated so far (modules, classes, the parsed
  configuration) is frozen out of the collector's generations
  (``gc.freeze``), so later collections, which event traffic triggers, do
  not walk the start-up objects again.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import sys

__all__ = ["REST_MODULES", "load_rest_stack"]

REST_MODULES = (
    "aiohttp",
    "livequery_cli.client.rest",
    "livequery_cli.cli.settings.tls",
    "livequery_cli.synced.fetch",
)
"""What a REST load or the session check imports (the rest is already loaded)."""

IMPORT_SWITCH_INTERVAL_S = 0.0005
"""How long the importing thread may hold the GIL while the loop's thread waits."""

_loading: asyncio.Future[None] | None = None


async def load_rest_stack() -> None:
    """Import ``REST_MODULES`` off the event loop (once; later calls return at once).

    Concurrent callers share one import. A failed import raises here, as the
    import statement would.
    """
    global _loading
    loading = _loading
    if loading is None or loading.get_loop() is not asyncio.get_running_loop():
        if all(name in sys.modules for name in REST_MODULES):
            return
        loading = _loading = asyncio.ensure_future(asyncio.to_thread(_import_rest_modules))
    await asyncio.shield(loading)


def _import_rest_modules() -> None:
    interval = sys.getswitchinterval()
    collecting = gc.isenabled()
    sys.setswitchinterval(IMPORT_SWITCH_INTERVAL_S)
    gc.disable()
    try:
        for name in REST_MODULES:
            importlib.import_module(name)
    finally:
        sys.setswitchinterval(interval)
        if collecting:
            gc.enable()
    gc.freeze()
