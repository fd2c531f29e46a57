"""Parse's vocabulary, spelled once: error codes, JSON types, typed values, URLs, headers.

Everything else in the package (the client, the server, the ``--where``
compiler, the matcher, the CLI) speaks Parse through these modules, so a code,
a URL rule or a value encoding exists in exactly one place. This package
imports nothing else from ``livequery_cli`` (a test checks it): it is the
bottom of the import graph.
"""
