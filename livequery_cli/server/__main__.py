"""``python -m livequery_cli.server``: the same as ``lq serve`` (same flags and exit codes)."""

from __future__ import annotations

import typer

from livequery_cli.cli.serve_cmd import serve


def main() -> None:
    app = typer.Typer(add_completion=False, rich_markup_mode=None)
    app.command()(serve)
    app()


if __name__ == "__main__":
    main()
