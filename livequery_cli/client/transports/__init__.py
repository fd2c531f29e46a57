"""What the client's bytes travel over: an interface and its implementations.

``interface`` defines ``Transport`` (``send`` / ``recv`` / ``close``, optionally
``recv_batch``) and ``Connector`` (``async (url) -> Transport``), the seam
that tests and embedders use the way httpx users pass a transport;
``websocket`` is the default (``websockets``' sans-I/O protocol under an
asyncio protocol); ``memory`` is an in-process pair for tests and embedders
that need no socket at all.
"""
