"""Claims in the docs' prose that no example shows, checked against the program.

docs/cli.md says how server data is spelled in pretty output: ``\\e`` and
``\\x07`` in class names, ids and field names, JSON's escapes inside quoted
string values.
"""

from __future__ import annotations

from pathlib import Path

from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.pretty import PrettyFormat

CLI_MD = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def test_escapes_are_spelled_as_docs_cli_md_says() -> None:
    text = " ".join(CLI_MD.read_text("utf-8").split())
    assert (
        "In class names, object ids, field names and dates they read `\\e`, `\\n`, `\\x07`" in text
    )
    assert '(`"\\u001b[31m"`, `"a\\nb"`, `"\\u0007"`;' in text
    render = PrettyFormat(color=False, timestamps="utc", now=lambda: 1767268800.123)
    event = TailEvent(
        "create",
        {"objectId": "id\x07", "k\x1b": "\x1b[31m", "bell": "\x07", "two": "a\nb"},
        None,
        class_name="G\x1b",
        seq=1,
        ts=1767268800.123,
    )
    line = render(event).decode()
    assert " G\\e id\\x07 " in line
    assert 'k\\e="\\u001b[31m"' in line
    assert 'bell="\\u0007"' in line
    assert 'two="a\\nb"' in line
