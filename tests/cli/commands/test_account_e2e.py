"""``lq login`` / ``whoami`` / ``logout`` as real processes against the real Parse Server."""

from __future__ import annotations

import os
import shlex
import stat
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "e2e password with spaces"
REFUSED = 4
LQ = Path(sys.executable).with_name("lq")


def _lq(
    env: dict[str, str], *args: str, stdin: str = "", umask: int | None = None
) -> subprocess.CompletedProcess[str]:
    command = [str(LQ), *args]
    if umask is not None:
        # Through a shell, so the umask applies to lq and nothing else in this process.
        command = ["sh", "-c", f"umask {umask:03o}; exec {shlex.join(command)}"]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
    )


@pytest.fixture
def lq_env(server: Any, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    env.update(
        LQ_CONFIG_DIR=str(tmp_path / "config"),
        LQ_SERVER_URL=server.rest_url,
        LQ_APP_ID=server.app_id,
        LQ_JS_KEY=server.js_key,
    )
    return env


def test_login_whoami_logout_end_to_end(server: Any, lq_env: dict[str, str]) -> None:
    name = f"e2e-{uuid.uuid4().hex[:10]}"
    user = server.rest.sign_up(name, PASSWORD)
    outputs: list[str] = []

    def lq(
        *args: str, stdin: str = "", umask: int | None = None
    ) -> subprocess.CompletedProcess[str]:
        done = _lq(lq_env, *args, stdin=stdin, umask=umask)
        outputs.extend((done.stdout, done.stderr))
        return done

    done = lq("login", name, "--password-stdin", stdin=PASSWORD + "\n", umask=0)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"Logged in as {name} (objectId {user['objectId']}), profile 'default'.\n"
    credentials = Path(lq_env["LQ_CONFIG_DIR"]) / "credentials.toml"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    token = next(
        line.split('"')[1]
        for line in credentials.read_text().splitlines()
        if line.startswith("session_token")
    )
    assert server.rest.me(token)["objectId"] == user["objectId"]
    assert not (Path(lq_env["LQ_CONFIG_DIR"]) / "config.toml").exists()

    done = lq("whoami")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"{name} (objectId {user['objectId']})\n",
        "",
    )

    done = lq("logout")
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "Logged out (profile 'default').\n",
        "",
    )
    assert not credentials.exists()
    with pytest.raises(Exception, match="209"):
        server.rest.me(token)

    done = lq("whoami")
    assert done.returncode == REFUSED
    assert done.stderr == "lq: error: not logged in (profile 'default'): run `lq login` to log in\n"

    assert all(token not in text for text in outputs)
    assert all(PASSWORD not in text for text in outputs)


def test_whoami_with_a_revoked_token(server: Any, lq_env: dict[str, str]) -> None:
    name = f"e2e-{uuid.uuid4().hex[:10]}"
    server.rest.sign_up(name, PASSWORD)
    assert _lq(lq_env, "login", name, "--password-stdin", stdin=PASSWORD).returncode == 0
    credentials = Path(lq_env["LQ_CONFIG_DIR"]) / "credentials.toml"
    token = credentials.read_text().split('session_token = "')[1].split('"')[0]
    server.rest.revoke_session(token)

    done = _lq(lq_env, "whoami")
    assert done.returncode == REFUSED
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert "profile 'default'" in lines[0]
    assert "lq login" in lines[0]
    assert token not in done.stderr


def test_wrong_password_and_usage_errors(server: Any, lq_env: dict[str, str]) -> None:
    name = f"e2e-{uuid.uuid4().hex[:10]}"
    server.rest.sign_up(name, PASSWORD)
    done = _lq(lq_env, "login", name, "--password-stdin", stdin="nope\n")
    assert (done.returncode, done.stdout, done.stderr) == (
        REFUSED,
        "",
        "lq: error: invalid username or password\n",
    )
    # No terminal: no prompt, a one-line usage error instead of a hang or a traceback.
    done = _lq(lq_env, "login", name, stdin=PASSWORD)
    assert (done.returncode, done.stderr) == (
        2,
        "lq: error: no terminal to prompt for the password: use --password-stdin\n",
    )
    assert not (Path(lq_env["LQ_CONFIG_DIR"]) / "credentials.toml").exists()
