"""The ``lq tail`` pipeline, from parsed flags to printed lines.

``setup`` turns flags into a validated plan and picks the output format;
``livequery_source`` subscribes (with ``failover_urls``) and feeds events to
``runner``, which applies ``--count``/``--until``/``--timeout``/``--idle``
and writes through the chosen format; ``resync_stage`` wires the gap-free
engine (``livequery_cli.synced``) in for ``--snapshot`` and after reconnects,
with ``start_version`` and ``rest_stack`` keeping the REST stack off the start-up
path; ``also_order`` groups ``--also`` queries; ``stats`` and ``status_line``
report on stderr.
"""
