"""``lq serve --parse-server``: a LiveQuery-only node for an existing Parse Server cluster.

Parse Server publishes every save and delete of the classes named in its
``liveQuery.classNames`` on Redis (``redisURL``); LiveQuery nodes subscribe
and fan the events out. This package is such a node built on the embedded
server's LiveQuery side (its indexed matcher and ordered fan-out), with
identities and permissions fetched from the Parse Server over REST.
"""
