"""The single exception -> exit status mapping, its messages, and the documented table."""

from __future__ import annotations

import errno
import io
import re
from pathlib import Path

import pytest

from livequery_cli.cli.exit_status import ExitStatus, UsageError, classify, report
from livequery_cli.cli.tail.status_line import StatusReporter
from livequery_cli.exceptions import (
    AuthError,
    ConfigError,
    ConnectionFailedError,
    ProtocolError,
    QueryError,
    RestError,
    ServerError,
    TransportError,
    WhereSyntaxError,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (UsageError("x"), ExitStatus.USAGE),
        (ConfigError("x"), ExitStatus.USAGE),
        (QueryError("x"), ExitStatus.USAGE),
        (WhereSyntaxError("x", source="a", start=0, end=1), ExitStatus.USAGE),
        (ServerError("bad regex", code=102, reconnect=False), ExitStatus.USAGE),
        (ConnectionFailedError("gave up", attempts=3), ExitStatus.CONNECTION_FAILED),
        (TransportError("lost"), ExitStatus.CONNECTION_FAILED),
        (AuthError("Invalid session token", code=209, reconnect=False), ExitStatus.REFUSED),
        (AuthError("Key in request is not valid", code=4, reconnect=True), ExitStatus.REFUSED),
        (ServerError("Permission denied", code=119, reconnect=False), ExitStatus.REFUSED),
        (RestError("unauthorized", status=401), ExitStatus.REFUSED),
        (RestError("boom", status=500, code=1), ExitStatus.ERROR),
        (ServerError("other", code=1, reconnect=True), ExitStatus.ERROR),
        (ProtocolError("bad frame"), ExitStatus.ERROR),
        (KeyboardInterrupt(), ExitStatus.SIGINT),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), ExitStatus.SUCCESS),
        (RuntimeError("bug"), ExitStatus.ERROR),
    ],
)
def test_classify(exc: BaseException, status: ExitStatus) -> None:
    assert classify(exc).status is status


def test_quiet_endings_print_nothing() -> None:
    assert classify(KeyboardInterrupt()).lines == ()
    assert classify(BrokenPipeError(errno.EPIPE, "x")).lines == ()


def test_refusals_name_the_profile_and_the_way_out() -> None:
    token = AuthError("Invalid session token", code=209, reconnect=False)
    assert classify(token, profile="prod").lines == (
        "lq: error: refused by the server: Invalid session token (code 209) "
        "[the session token of profile 'prod' is not valid; run `lq login --profile prod`]",
    )
    keys = AuthError("Key in request is not valid", code=4, reconnect=True)
    assert classify(keys).lines == (
        "lq: error: refused by the server: Key in request is not valid (code 4) "
        "[check the application id and keys of the default profile (`lq config show`)]",
    )


def test_messages_from_the_server_are_escaped() -> None:
    (line,) = classify(ServerError("evil\x1b[2J\nline", code=1, reconnect=True)).lines
    assert line == "lq: error: evil\\e[2J\\nline (code 1)"


def test_report_writes_lines_and_returns_the_status() -> None:
    stderr = io.StringIO()
    exc = WhereSyntaxError("expected a value", source="score >", start=7, end=7)
    assert report(stderr, exc) == 2
    assert stderr.getvalue() == "lq: error: expected a value\n  score >\n         ^\n"


def test_docs_exit_status_table_matches_the_enum() -> None:
    """docs/cli.md documents every status, and nothing else."""
    text = DOCS.read_text("utf-8")
    table = text[text.index("| status | meaning |") :].split("\n\n")[0]
    documented = {int(m) for m in re.findall(r"^\| (\d+) \|", table, flags=re.MULTILINE)}
    assert documented == {int(status) for status in ExitStatus}


def test_docs_document_every_envelope_field() -> None:
    from livequery_cli.cli.output.template import TEMPLATE_FIELDS

    text = DOCS.read_text("utf-8")
    table = text[text.index("| field | type | meaning |") :].split("\n\n")[0]
    documented = set(re.findall(r"^\| `(\w+)` \|", table, flags=re.MULTILINE))
    assert documented == set(TEMPLATE_FIELDS)


def test_status_lines_one_per_change() -> None:
    stream = io.StringIO()
    status = StatusReporter(stream)
    status.connected("ws://h/parse")
    status.subscribed("Game", ' where {"a":1}')
    status.lost("connection lost without a close frame")
    status.reconnecting(1.25, 1)
    status.attempt_failed("cannot connect to ws://h/parse: refused")
    status.attempt_failed("cannot connect to ws://h/parse: refused")
    status.reconnecting(2.5, 2)
    status.connected("ws://h/parse")
    status.subscribed("Game", ' where {"a":1}')
    assert stream.getvalue() == (
        "lq: connected to ws://h/parse\n"
        'lq: subscribed to Game where {"a":1}\n'
        "lq: disconnected (connection lost without a close frame)\n"
        "lq: reconnecting in 1.2 s (attempt 1)\n"
        "lq: cannot connect to ws://h/parse: refused\n"
        "lq: reconnecting in 2.5 s (attempt 2)\n"
        "lq: reconnected to ws://h/parse\n"
        'lq: subscribed to Game where {"a":1}\n'
    )


def test_quiet_status_prints_nothing_and_color_is_optional() -> None:
    quiet = io.StringIO()
    StatusReporter(quiet, quiet=True).connected("ws://h")
    assert quiet.getvalue() == ""
    colored = io.StringIO()
    StatusReporter(colored, color=True).lost("gone")
    assert colored.getvalue() == "\x1b[33mlq: disconnected (gone)\x1b[0m\n"
