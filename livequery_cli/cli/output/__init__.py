"""How an event becomes a line: the record, the formats and the writer.

``event_record`` is the one shape every format reads; ``pretty`` (colored
lines for people), ``ndjson`` (the versioned ``--json`` envelope and ``-o
raw``) and ``template`` (``--template``) turn it into text; ``event_writer``
buffers and flushes to stdout; ``terminal_text`` escapes server data before
it reaches a terminal.
"""
