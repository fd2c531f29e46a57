"""``python -m livequery_cli`` runs the ``lq`` CLI."""

from livequery_cli.cli.main import main

main()
