"""``lq watch``'s ``--color`` is ``lq tail``'s: without the flag, ``LQ_COLOR`` (or the
profile's ``color``) decides, as for every command that prints (it used to default
to ``auto`` and hide the setting)."""

from __future__ import annotations

from support.cli_run import lq
from support.parse_server import ParseServer as ServerHandle


def test_the_color_setting_applies_and_the_flag_wins(
    lq_server: ServerHandle, unique_tag: str
) -> None:
    lq_server.rest.create("Game", {"tag": unique_tag, "score": 1})
    env = {
        "LQ_SERVER_URL": lq_server.rest_url,
        "LQ_APP_ID": lq_server.app_id,
        "LQ_JS_KEY": lq_server.js_key,
        "LQ_COLOR": "always",
    }
    args = ["watch", "Game", "-w", f"tag = {unique_tag}", "--columns", "score", "--once"]
    painted = lq(*args, env=env)
    assert painted.status == 0, painted.stderr
    assert "\x1b[1mscore" in painted.stdout  # the bold header row
    plain = lq(*args, "--color", "never", env=env)
    assert plain.status == 0, plain.stderr
    assert "\x1b[" not in plain.stdout
    assert plain.stdout.splitlines()[1:] == ["score", "─────", "1"]
