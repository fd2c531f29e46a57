"""``lq explain`` prints one line when piped (as docs/where.md shows), indented on a terminal."""

from __future__ import annotations

from support.cli_run import lq


def test_piped_output_is_one_line() -> None:
    result = lq("explain", "--where", 'score > 100 and (name ~* "^al" or tags in [pro, vip])')
    assert result.status == 0
    assert result.stdout == (
        '{"score":{"$gt":100},"$or":[{"name":{"$regex":"^al","$options":"i"}},'
        '{"tags":{"$in":["pro","vip"]}}]}\n'
    )


def test_terminal_output_is_indented() -> None:
    result = lq("explain", "--where", "score > 100", stdout_isatty=True)
    assert result.stdout == '{\n  "score": {\n    "$gt": 100\n  }\n}\n'
