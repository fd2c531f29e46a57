"""One module per `lq` command; `livequery_cli.cli.command_tree` assembles them."""
