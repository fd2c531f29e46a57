"""``lq serve``: an embedded, Parse-compatible REST + LiveQuery server on SQLite.

Start it with :class:`~livequery_cli.server.app.EmbeddedServer` (in-process)
or ``python -m livequery_cli serve`` / ``lq serve`` (a process). Importing
this package imports nothing heavy; the submodules pull in aiohttp.
"""

from __future__ import annotations
