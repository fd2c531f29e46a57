"""Pretty lines say enough to act on: context fields, nested paths, times, layout.

Each test pins one readability rule of ``lq tail``'s pretty format: ``--show``
fields on every line, dotted paths for nested changes, shortened values on a
terminal, the timestamp styles and snapshot times, the column layout and the
styles that stay readable on a light background.
"""

from __future__ import annotations

import calendar
import io
import re
import time
from pathlib import Path
from typing import Any

import pytest

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.exit_status import UsageError
from livequery_cli.cli.output.event_record import TailEvent
from livequery_cli.cli.output.nested_diff import MAX_PATHS, changed_paths
from livequery_cli.cli.output.pretty import DEFAULT_VALUE_LIMIT, OP_STYLES, PrettyFormat
from livequery_cli.cli.output.timestamps import LineClock
from livequery_cli.cli.settings.profiles import resolve
from livequery_cli.cli.tail.args import TailArgs
from livequery_cli.cli.tail.output_settings import OutputChoice

NOW = calendar.timegm((2026, 1, 1, 12, 0, 0, 0, 0, 0)) + 0.123  # 2026-01-01T12:00:00.123Z
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def event(
    op: str,
    obj: dict[str, Any],
    original: dict[str, Any] | None = None,
    *,
    class_name: str = "Game",
    ts: float = NOW,
    kind: str = "event",
    sub: int = 0,
) -> TailEvent:
    return TailEvent(op, obj, original, class_name=class_name, seq=1, ts=ts, kind=kind, sub=sub)


def pretty(**options: Any) -> PrettyFormat:
    options.setdefault("color", False)
    options.setdefault("timestamps", "utc")
    options.setdefault("now", lambda: NOW)
    return PrettyFormat(**options)


# --show and --keys (item 7)


def test_show_fields_appear_on_every_line_after_the_id() -> None:
    render = pretty(show=("player", "level"))
    before = {"objectId": "g1", "player": "ann", "level": 3, "score": 100}
    after = {**before, "score": 120}
    assert render(event("enter", after, before)) == (
        b'12:00:00.123Z enter    Game g1 [player="ann" level=3] score: 100 -> 120\n'
    )
    assert render(event("create", {"objectId": "g2", "score": 5})) == (
        b"12:00:00.123Z create   Game g2 [player=(none) level=(none)] score=5\n"
    )
    # create lines do not repeat a shown field in the field list
    line = render(event("create", {"objectId": "g3", "player": "bob", "score": 1}))
    assert line == b'12:00:00.123Z create   Game g3 [player="bob" level=(none)] score=1\n'


def test_show_takes_dotted_paths_into_objects() -> None:
    obj = {"objectId": "g1", "player": {"name": "ann", "team": {"id": 7}}, "score": 1}
    line = pretty(show=("player.name", "player.team.id", "player.x"))(event("create", obj))
    assert line.startswith(
        b'12:00:00.123Z create   Game g1 [player.name="ann" player.team.id=7 player.x=(none)]'
    )


def test_update_with_no_visible_change_says_the_change_is_outside_the_keys() -> None:
    same = {"objectId": "g1", "score": 100}
    line = pretty()(event("update", same, dict(same))).decode()
    assert line == "12:00:00.123Z update   Game g1 (changed: fields not sent, see --keys)\n"


def test_keys_are_extended_with_the_show_fields(isolated_config: Path) -> None:
    from livequery_cli.cli.tail.setup import prepare_tail as _prepare

    env = Environment(
        stdin=io.StringIO(), stdout=io.StringIO(), stderr=io.StringIO(),
        env={"LQ_CONFIG_DIR": str(isolated_config), "LQ_APP_ID": "app"},
    )  # fmt: skip
    plan = _prepare(env, TailArgs(class_name="Game", keys="score", show="player,score,cfg.a"))
    assert plan.queries[0].keys == ["score", "player", "cfg"]
    plain = _prepare(env, TailArgs(class_name="Game", show="player"))
    assert plain.queries[0].keys is None  # without --keys the server sends every field


# nested changes and long values (item 8)


def test_nested_change_prints_the_dotted_path_not_the_whole_object() -> None:
    before = {"objectId": "g1", "cfg": {"a": {"b": {"c": [1, 2, 3]}}, "big": "x" * 50}}
    after = {"objectId": "g1", "cfg": {"a": {"b": {"c": [1, 2, 4]}}, "big": "x" * 50}}
    line = pretty()(event("update", after, before)).decode()
    assert line == "12:00:00.123Z update   Game g1 cfg.a.b.c[2]: 3 -> 4\n"


def test_nested_paths_for_added_removed_and_odd_keys() -> None:
    paths, skipped = changed_paths("cfg", {"x": 1, "we ird": [1]}, {"we ird": [1, 2], "y": None})
    assert paths == [
        ("cfg.x", 1, paths[0][2]),
        ('cfg["we ird"][1]', paths[1][1], 2),
        ("cfg.y", paths[2][1], None),
    ]
    assert repr(paths[0][2]) == "(none)"
    assert skipped == 0
    line = pretty()(
        event("update", {"objectId": "g", "cfg": {"y": None}}, {"objectId": "g", "cfg": {"x": 1}})
    )
    assert line == b"12:00:00.123Z update   Game g cfg.x: 1 -> (none), cfg.y: (none) -> null\n"


def test_parse_typed_values_are_leaves_and_many_paths_are_capped() -> None:
    date_a = {"__type": "Date", "iso": "2026-01-01T00:00:00.000Z"}
    date_b = {"__type": "Date", "iso": "2026-01-02T00:00:00.000Z"}
    paths, _ = changed_paths("when", {"d": date_a}, {"d": date_b})
    assert paths == [("when.d", date_a, date_b)]
    paths, skipped = changed_paths("big", list(range(100)), list(range(1, 101)))
    assert len(paths) == MAX_PATHS
    assert skipped == 100 - MAX_PATHS
    line = pretty()(event("update", {"objectId": "g", "big": list(range(1, 101))},
                          {"objectId": "g", "big": list(range(100))})).decode()  # fmt: skip
    assert line.rstrip().endswith(f"big: (+{100 - MAX_PATHS} more changes)")


def test_long_values_are_shortened_on_a_terminal_only() -> None:
    obj = {"objectId": "g1", "bio": "y" * 500}
    short = pretty(value_limit=DEFAULT_VALUE_LIMIT)(event("create", obj)).decode()
    shown = short.split("bio=", 1)[1].rstrip("\n")
    assert len(shown) == DEFAULT_VALUE_LIMIT
    assert shown.endswith("…")
    full = pretty()(event("create", obj)).decode()
    assert full.endswith('bio="' + "y" * 500 + '"\n')


@pytest.mark.parametrize(
    ("isatty", "wide", "limited"), [(True, False, True), (True, True, False), (False, False, False)]
)
def test_value_limit_follows_the_terminal_and_wide(isatty: bool, wide: bool, limited: bool) -> None:
    env = Environment(stdout=io.StringIO(), stdout_isatty=isatty, env={})
    choice = OutputChoice.from_settings(TailArgs("Game", wide=wide), _settings({}))
    render = choice.render(env)
    assert isinstance(render, PrettyFormat)
    line = render(event("create", {"objectId": "g", "bio": "z" * 300})).decode()
    assert ("…" in line) is limited


# timestamps (item 9)


def test_timestamp_styles() -> None:
    at = NOW - 3.25
    assert LineClock("utc", now=lambda: NOW)(at) == "11:59:56.873Z "
    assert LineClock("iso", now=lambda: NOW)(at) == "2026-01-01T11:59:56.873Z "
    assert LineClock("relative", now=lambda: NOW)(at) == "-3.2s "
    assert LineClock("relative", now=lambda: NOW)(NOW - 3725) == "-1h02m "
    assert LineClock("none", now=lambda: NOW)(at) == ""
    local = LineClock("local", now=lambda: NOW)(at)
    assert local == time.strftime("%H:%M:%S", time.localtime(at)) + ".873 "


def test_default_clock_adds_the_date_for_older_lines_and_when_the_day_changes() -> None:
    now = [NOW]
    clock = LineClock("utc", now=lambda: now[0])
    yesterday = NOW - 86400
    assert clock(yesterday) == "2025-12-31 12:00:00.123Z "
    assert clock(NOW) == "2026-01-01 12:00:00.123Z "  # the day changed since the last line
    assert clock(NOW + 1) == "12:00:01.123Z "
    now[0] = NOW + 86400  # past midnight
    assert clock(NOW + 86400) == "2026-01-02 12:00:00.123Z "
    assert clock(NOW + 86401) == "12:00:01.123Z "


def test_snapshot_lines_use_the_objects_updated_at() -> None:
    obj = {"objectId": "g1", "updatedAt": "2025-06-01T08:30:00.000Z", "score": 1}
    line = pretty()(event("snapshot", obj, kind="snapshot")).decode()
    assert line == "2025-06-01 08:30:00.000Z snapshot Game g1 score=1\n"
    live = pretty()(event("create", obj)).decode()
    assert live.startswith("12:00:00.123Z create ")  # live events: when lq received them


# layout (item 10)


def test_op_column_fits_snapshot_and_ids_align_across_classes() -> None:
    render = pretty(class_width=len("Leaderboard"))
    lines = [
        render(event("snapshot", {"objectId": "aaaa"}, kind="snapshot", class_name="Game")),
        render(event("create", {"objectId": "bbbb"}, class_name="Leaderboard", sub=1)),
        render(event("delete", {"objectId": "cccc"}, class_name="Player", sub=2)),
    ]
    columns = {
        line.decode().index(oid) for line, oid in zip(lines, ["aaaa", "bbbb", "cccc"], strict=True)
    }
    assert len(columns) == 1
    assert b"snapshot Game        aaaa" in lines[0]


def test_no_white_or_bright_text_that_vanishes_on_light_terminals() -> None:
    render = pretty(color=True, show=("p",))
    line = render(event("snapshot", {"objectId": "a", "p": 1}, kind="snapshot")).decode()
    line += render(event("create", {"objectId": "a"}, class_name="X", sub=3)).decode()
    codes = {code for match in re.findall(r"\x1b\[([0-9;]*)m", line) for code in match.split(";")}
    assert not codes & {"37", "97", "93", "96", "47"}, codes
    assert all(";37" not in style for style in OP_STYLES.values())
    assert ANSI.sub("", line).startswith("12:00:00.123Z snapshot Game a [p=1]")


# output settings from the profile and LQ_* (item 13)


def _settings(env: dict[str, str], profile: str = "", directory: Path | None = None) -> Any:
    variables = dict(env)
    if directory is not None:
        (directory / "config.toml").write_text("[profiles.default]\n" + profile)
        variables["LQ_CONFIG_DIR"] = str(directory)
    else:
        variables.setdefault("LQ_CONFIG", "/nonexistent/lq-config.toml")
    return resolve(flags={}, env=variables, stdin=io.StringIO())


def test_output_settings_come_from_profile_and_env(isolated_config: Path) -> None:
    profile = 'output = "json"\ncolor = "never"\nshow = "player, level"\ntimestamps = "iso"\n'
    choice = OutputChoice.from_settings(TailArgs("Game"), _settings({}, profile, isolated_config))
    assert (choice.kind, choice.color, choice.show, choice.timestamps) == (
        "json", "never", ("player", "level"), "iso",
    )  # fmt: skip
    env = {"LQ_OUTPUT": "raw", "LQ_SHOW": "x", "LQ_TIMESTAMPS": "none", "LQ_COLOR": "always"}
    choice = OutputChoice.from_settings(TailArgs("Game"), _settings(env, profile, isolated_config))
    assert (choice.kind, choice.color, choice.show, choice.timestamps) == (
        "raw", "always", ("x",), "none",
    )  # fmt: skip
    flags = TailArgs("Game", template="{op}", color="auto", show="", timestamps="utc")
    choice = OutputChoice.from_settings(flags, _settings(env, profile, isolated_config))
    assert (choice.kind, choice.color, choice.show, choice.timestamps) == (
        "template", "auto", (), "utc",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (TailArgs("G", timestamps="day"), {}, "--timestamps: unknown style 'day'"),
        (TailArgs("G"), {"LQ_TIMESTAMPS": "day"}, "timestamps (from env LQ_TIMESTAMPS)"),
        (TailArgs("G"), {"LQ_COLOR": "yes"}, "color (from env LQ_COLOR): unknown value 'yes'"),
        (TailArgs("G"), {"LQ_OUTPUT": "xml"}, "output (from env LQ_OUTPUT): unknown format"),
    ],
)
def test_bad_output_settings_name_their_source(
    args: TailArgs, env: dict[str, str], message: str
) -> None:
    with pytest.raises(UsageError) as caught:
        OutputChoice.from_settings(args, _settings(env))
    assert message in str(caught.value)
