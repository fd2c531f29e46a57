"""``lq find``'s pretty-line flags (``--show``, ``--timestamps``, ``--wide``), exactly.

They are ``lq tail``'s flags (one declaration in ``cli/options.py``) and resolve
the same way: a flag, then its ``LQ_*`` variable or profile key. A ``lq find``
line is a stored member of the result set, so its time is the object's
``updatedAt``, as a ``--snapshot`` line's. Run in-process against ``lq serve``
for exact stdout.
"""

from __future__ import annotations

import pytest
from support.cli_run import lq
from support.parse_server import ParseServer as ServerHandle

LONG = "x" * 100


def _env(server: ServerHandle, **more: str) -> dict[str, str]:
    return {
        "LQ_SERVER_URL": server.rest_url,
        "LQ_APP_ID": server.app_id,
        "LQ_JS_KEY": server.js_key,
        **more,
    }


@pytest.fixture
def games(lq_server: ServerHandle, unique_tag: str) -> dict[str, str]:
    """Two players' games, by player name: their objectIds."""
    rows = [("ann", 30, 1), ("bob", 10, 2)]
    return {
        player: lq_server.rest.create(
            "Game", {"tag": unique_tag, "player": player, "score": score, "level": level}
        )["objectId"]
        for player, score, level in rows
    }


def test_show_prints_the_fields_in_brackets_after_the_id(
    lq_server: ServerHandle, unique_tag: str, games: dict[str, str]
) -> None:
    result = lq("find", "Game", "-w", f"tag = {unique_tag}", "--order", "player",
                "--show", "player,level", "--timestamps", "none", "--color", "never",
                env=_env(lq_server))  # fmt: skip
    assert result.status == 0, result.stderr
    ann, bob = games["ann"], games["bob"]
    assert result.stdout == (
        f'object   Game {ann} [player="ann" level=1] tag="{unique_tag}" score=30\n'
        f'object   Game {bob} [player="bob" level=2] tag="{unique_tag}" score=10\n'
    )
    assert result.stderr == ""


def test_show_fields_are_added_to_the_keys(
    lq_server: ServerHandle, unique_tag: str, games: dict[str, str]
) -> None:
    result = lq("find", "Game", "-w", f"tag = {unique_tag}", "--order", "-score",
                "--keys", "score", "--show", "player,nope", "--timestamps", "none",
                env=_env(lq_server))  # fmt: skip
    assert result.status == 0, result.stderr
    ann, bob = games["ann"], games["bob"]
    assert result.stdout == (
        f'object   Game {ann} [player="ann" nope=(none)] score=30\n'
        f'object   Game {bob} [player="bob" nope=(none)] score=10\n'
    )


def test_timestamps_are_the_objects_updated_at(
    lq_server: ServerHandle, unique_tag: str, games: dict[str, str]
) -> None:
    stored = lq_server.rest.get("Game", games["ann"])
    args = ["find", "Game", "-w", f"tag = {unique_tag}", "-w", "player = ann", "--keys", "score"]
    iso = lq(*args, "--timestamps", "iso", env=_env(lq_server))
    assert iso.status == 0, iso.stderr
    assert iso.stdout == f"{stored['updatedAt']} object   Game {games['ann']} score=30\n"
    # The style comes from LQ_TIMESTAMPS (or the profile) when the flag is not given.
    utc = lq(*args, env=_env(lq_server, LQ_TIMESTAMPS="utc"))
    time_of_day = stored["updatedAt"][len("2026-01-01T") :]  # 12:00:00.123Z
    assert utc.stdout == f"{time_of_day} object   Game {games['ann']} score=30\n"


def test_show_and_color_come_from_the_settings_too(
    lq_server: ServerHandle, unique_tag: str, games: dict[str, str]
) -> None:
    args = ["find", "Game", "-w", f"tag = {unique_tag}", "-w", "player = bob", "--keys", "level",
            "--timestamps", "none"]  # fmt: skip
    shown = lq(*args, env=_env(lq_server, LQ_SHOW="player"))
    assert shown.stdout == f'object   Game {games["bob"]} [player="bob"] level=2\n'
    # LQ_COLOR=always paints a piped line (the flag's absence no longer means "auto").
    painted = lq(*args, env=_env(lq_server, LQ_COLOR="always"))
    assert painted.status == 0, painted.stderr
    assert "\x1b[" in painted.stdout
    plain = lq(*args, "--color", "never", env=_env(lq_server, LQ_COLOR="always"))
    assert plain.stdout == f"object   Game {games['bob']} level=2\n"


def test_long_values_are_cut_on_a_terminal_unless_wide(
    lq_server: ServerHandle, unique_tag: str
) -> None:
    oid = lq_server.rest.create("Game", {"tag": unique_tag, "name": LONG})["objectId"]
    args = ["find", "Game", "-w", f"tag = {unique_tag}", "--keys", "name",
            "--timestamps", "none", "--color", "never"]  # fmt: skip
    cut = lq(*args, env=_env(lq_server), stdout_isatty=True)
    assert cut.stdout == f'object   Game {oid} name="{LONG[:78]}…\n'
    wide = lq(*args, "--wide", env=_env(lq_server), stdout_isatty=True)
    assert wide.stdout == f'object   Game {oid} name="{LONG}"\n'
    piped = lq(*args, env=_env(lq_server))  # a pipe is never cut
    assert piped.stdout == wide.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--timestamps", "soon"], "--timestamps: unknown style 'soon'"),
        (["--count", "--show", "a"], "--count prints a number: it cannot be used with --show"),
        (["--count", "--wide"], "--count prints a number: it cannot be used with --wide"),
        (["--count", "--timestamps", "iso"], "cannot be used with --timestamps"),
    ],
)
def test_bad_output_flags_exit_2_before_any_request(args: list[str], message: str) -> None:
    env = {"LQ_SERVER_URL": "http://127.0.0.1:9/parse", "LQ_APP_ID": "app"}
    result = lq("find", "Game", *args, env=env)
    assert result.status == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
