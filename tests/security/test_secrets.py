"""Secrets never leave the process: every ``lq`` command, on its success and error paths.

Each command runs as a real subprocess (so logging, warnings and tracebacks
would show up too) with a recognisable master key and session token given
through the environment, a flag, a file or a config profile, and neither may
appear in stdout or stderr, nor in the server's log, whatever happens: an
unreachable server, a refused token, a wrong password, a bad URL.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.lq_server import LqServer

MASTER = f"MK-{secrets.token_hex(12)}"
TOKEN = f"r:ST-{secrets.token_hex(12)}"
DEAD_URL = "http://127.0.0.1:9/parse"
RUN_S = 60


def lq(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> tuple[int, str]:
    """Run ``lq``; return its status and stdout + stderr together."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    full_env["LQ_CONFIG_DIR"] = os.environ["LQ_CONFIG_DIR"]
    full_env.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "livequery_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=RUN_S,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def assert_clean(output: str, *extra: str) -> None:
    for secret in (MASTER, TOKEN, *extra):
        assert secret not in output, f"secret leaked in:\n{output}"
        assert secret[3:] not in output, f"part of a secret leaked in:\n{output}"
    assert "Traceback" not in output, output


@pytest.fixture(scope="module")
def server() -> Iterator[LqServer]:
    running = LqServer(master_key=MASTER).start()
    try:
        yield running
        log = running.log_path.read_text(errors="replace")
        assert MASTER not in log, "the server logged its master key"
    finally:
        running.close()


@pytest.fixture
def user(server: LqServer) -> dict[str, Any]:
    name = f"u{secrets.token_hex(6)}"
    password = f"PW-{secrets.token_hex(8)}"
    created = server.rest.sign_up(name, password)
    return {"username": name, "password": password, "token": created["sessionToken"]}


@pytest.fixture
def secret_env() -> dict[str, str]:
    return {"LQ_MASTER_KEY": MASTER, "LQ_SESSION_TOKEN": TOKEN, "LQ_APP_ID": "app"}


@pytest.fixture
def secret_files(tmp_path: Path) -> tuple[Path, Path]:
    master, token = tmp_path / "master", tmp_path / "token"
    master.write_text(MASTER + "\n")
    token.write_text(TOKEN + "\n")
    master.chmod(0o600)
    token.chmod(0o600)
    return master, token


def server_args(server: LqServer) -> list[str]:
    return ["--server-url", server.rest_url, "--app-id", server.app_id, "--js-key", server.js_key]


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["tail", "Game", "--server-url", DEAD_URL, "--max-retries", "1"], id="tail-unreachable"),  # noqa: E501
        pytest.param(["tail", "Game", "--live-query-url", "ws://[bad", "--max-retries", "0"], id="tail-bad-url"),  # noqa: E501
        pytest.param(["tail", "Game", "--where", "score gt", "--server-url", DEAD_URL], id="tail-bad-where"),  # noqa: E501
        pytest.param(["tail", "Game", "--where-json", "{nope", "--server-url", DEAD_URL], id="tail-bad-json"),  # noqa: E501
        pytest.param(["explain", "--where", "score gt 3"], id="explain"),
        pytest.param(["config", "show"], id="config-show"),
        pytest.param(["whoami", "--server-url", DEAD_URL], id="whoami-unreachable"),
        pytest.param(["logout", "--server-url", DEAD_URL], id="logout-unreachable"),
    ],
)  # fmt: skip
def test_secrets_from_the_environment_never_printed(
    args: list[str], secret_env: dict[str, str]
) -> None:
    _, output = lq(*args, env=secret_env)
    assert_clean(output)


def test_secrets_given_as_flags_never_printed() -> None:
    _, output = lq("tail", "Game", "--app-id", "a", "--master-key", MASTER,
                   "--session-token", TOKEN, "--server-url", DEAD_URL, "--max-retries", "1")  # fmt: skip  # noqa: E501
    assert_clean(output)


def test_secrets_from_files_never_printed(secret_files: tuple[Path, Path]) -> None:
    master, token = secret_files
    _, output = lq("tail", "Game", "--app-id", "a", "--master-key-file", str(master),
                   "--session-token-file", str(token), "--server-url", DEAD_URL,
                   "--max-retries", "1")  # fmt: skip
    assert_clean(output)


def test_secrets_in_a_config_profile_are_masked(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.default]\napp_id = "a"\nmaster_key = "{MASTER}"\nsession_token = "{TOKEN}"\n'
        f'server_url = "{DEAD_URL}"\n'
    )
    config.chmod(0o600)
    env = {"LQ_CONFIG": str(config)}
    for args in (["config", "show"], ["tail", "Game", "--max-retries", "1"], ["whoami"]):
        _, output = lq(*args, env=env)
        assert_clean(output)


def test_tail_against_a_server_refusing_the_token(
    server: LqServer, secret_env: dict[str, str]
) -> None:
    status, output = lq("tail", "Game", *server_args(server), "--timeout", "5s", env=secret_env)
    assert status == 4, output
    assert_clean(output)


def test_tail_with_a_wrong_master_key(server: LqServer) -> None:
    wrong = f"MK-{secrets.token_hex(12)}"
    _, output = lq("tail", "Game", *server_args(server), "--master-key", wrong,
                        "--timeout", "5s")  # fmt: skip
    assert_clean(output, wrong)


def test_tail_with_the_right_keys_until_timeout(server: LqServer, user: dict[str, Any]) -> None:
    env = {"LQ_MASTER_KEY": MASTER, "LQ_SESSION_TOKEN": user["token"]}
    status, output = lq("tail", "Game", *server_args(server), "--timeout", "1s", env=env)
    assert status == 124, output
    assert_clean(output, user["token"])


def test_login_whoami_logout_never_print_the_token_or_password(
    server: LqServer, user: dict[str, Any]
) -> None:
    args = server_args(server)
    status, output = lq("login", user["username"], "--password-stdin", *args,
                        stdin=user["password"] + "\n")  # fmt: skip
    assert status == 0, output
    assert_clean(output, user["password"], user["token"])
    stored = (Path(os.environ["LQ_CONFIG_DIR"]) / "credentials.toml").read_text()
    new_token = stored.split('"r:')[1].split('"')[0] if '"r:' in stored else ""
    extra = [user["password"], user["token"], *([f"r:{new_token}"] if new_token else [])]
    for command in (["whoami"], ["config", "show"], ["logout"], ["whoami"]):
        _, output = lq(*command, *([] if command == ["config", "show"] else args))
        assert_clean(output, *extra)


def test_login_with_a_wrong_password_does_not_echo_it(
    server: LqServer, user: dict[str, Any]
) -> None:
    wrong = f"PW-{secrets.token_hex(8)}"
    status, output = lq("login", user["username"], "--password-stdin", *server_args(server),
                        stdin=wrong + "\n")  # fmt: skip
    assert status != 0
    assert_clean(output, wrong, user["password"])


def test_whoami_with_a_dead_token(server: LqServer) -> None:
    status, output = lq("whoami", *server_args(server), "--session-token", TOKEN)
    assert status == 4, output
    assert_clean(output)


def test_serve_never_prints_its_master_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LQ_")}
    env["LQ_MASTER_KEY"] = MASTER
    process = subprocess.Popen(
        [sys.executable, "-m", "livequery_cli", "serve", "--port", "0", "--host", "127.0.0.1",
         "--db", str(tmp_path / "db.sqlite")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("http://127.0.0.1:"), first
    finally:
        process.terminate()
        out, err = process.communicate(timeout=RUN_S)
    assert_clean(first + out + err)


def test_serve_with_the_master_key_on_the_command_line_does_not_echo_it(tmp_path: Path) -> None:
    status, output = lq("serve", "--port", "-5", "--master-key", MASTER,
                        "--db", str(tmp_path / "x.sqlite"))  # fmt: skip
    assert status != 0
    assert_clean(output)


async def test_client_reprs_and_errors_never_hold_secrets() -> None:
    from livequery_cli.client import LiveQueryClient
    from livequery_cli.client.backoff import ReconnectPolicy
    from livequery_cli.exceptions import LiveQueryError

    client = LiveQueryClient(
        "app", f"ws://user:{MASTER}@127.0.0.1:9/parse?token={TOKEN}", master_key=MASTER,
        session_token=TOKEN, reconnect=ReconnectPolicy(max_retries=0),
    )  # fmt: skip
    errors: list[BaseException] = []
    client.on("error", errors.append)
    with pytest.raises(LiveQueryError) as raised:
        await client.open()
    await client.close()
    texts = [repr(client), str(raised.value), repr(raised.value), *map(str, errors)]
    assert_clean("\n".join(texts))
