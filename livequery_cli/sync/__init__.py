"""The synchronous API: LiveQuery from scripts, notebooks and threads, without asyncio.

::

    from livequery_cli.sync import connect

    with connect("app", "ws://127.0.0.1:1337/parse", javascript_key="js") as client:
        with client.subscribe({"className": "Game", "where": {"score": {"$gt": 100}}}) as sub:
            for event in sub:                  # or sub.recv(timeout=5)
                print(event.op, event.object["objectId"])

The same client as ``livequery_cli.LiveQueryClient`` (reconnects, resubscribes,
errors), run on a private event loop in a daemon thread: see
``livequery_cli.sync.blocking``.
"""

from __future__ import annotations

from livequery_cli.sync.blocking import LiveQueryClient, Subscription, connect

__all__ = ["LiveQueryClient", "Subscription", "connect"]
