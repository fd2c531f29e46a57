"""The ``lq`` command line: ``app.main`` is the console script (see docs/cli.md).

Nothing is imported here: ``lq --version`` must not pay for any command.
"""
