"""``lq login`` / ``whoami`` / ``logout`` driven in-process through their ``run_*`` functions."""

from __future__ import annotations

import io
import stat
import uuid
from pathlib import Path
from typing import Any

import pytest

from livequery_cli.cli.commands.account import run_login, run_logout, run_whoami
from livequery_cli.cli.environment import Environment
from livequery_cli.cli.exit_status import ExitStatus
from livequery_cli.cli.settings.credentials import credentials_path, load_credentials

PASSWORD = "correct horse battery staple"


def _env(server: Any, config_dir: Path, stdin: str = "", **extra: str) -> Environment:
    variables = {
        "LQ_CONFIG_DIR": str(config_dir),
        "LQ_SERVER_URL": server.rest_url,
        "LQ_APP_ID": server.app_id,
        "LQ_JS_KEY": server.js_key,
        **extra,
    }
    return Environment(stdin=io.StringIO(stdin), env=variables)


def _output(environment: Environment) -> tuple[str, str]:
    out, err = environment.stdout, environment.stderr
    assert isinstance(out, io.StringIO)
    assert isinstance(err, io.StringIO)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def user(server: Any) -> dict[str, Any]:
    name = f"cli-{uuid.uuid4().hex[:10]}"
    created: dict[str, Any] = server.rest.sign_up(name, PASSWORD)
    return created


def _login(server: Any, config_dir: Path, name: str, **extra: str) -> Environment:
    environment = _env(server, config_dir, stdin=PASSWORD + "\n", **extra)
    status = run_login(environment, username=name, password_stdin=True, profile=None, flags={})
    _out, err = _output(environment)
    assert status == ExitStatus.SUCCESS, err
    return environment


def test_login_whoami_logout(server: Any, user: dict[str, Any], tmp_path: Path) -> None:
    environment = _login(server, tmp_path, user["username"])
    out, err = _output(environment)
    assert out == (
        f"Logged in as {user['username']} (objectId {user['objectId']}), profile 'default'.\n"
    )
    assert err == ""
    saved = load_credentials(environment.env, "default")
    assert saved is not None
    assert saved.username == user["username"]
    assert saved.session_token not in out + err
    path = credentials_path(environment.env)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert server.rest.me(saved.session_token)["objectId"] == user["objectId"]

    who = _env(server, tmp_path)
    assert run_whoami(who, profile=None, flags={}) == ExitStatus.SUCCESS
    assert _output(who) == (f"{user['username']} (objectId {user['objectId']})\n", "")

    bye = _env(server, tmp_path)
    assert run_logout(bye, local=False, profile=None, flags={}) == ExitStatus.SUCCESS
    assert _output(bye) == ("Logged out (profile 'default').\n", "")
    assert not path.exists()
    with pytest.raises(Exception, match="209"):
        server.rest.me(saved.session_token)

    again = _env(server, tmp_path)
    assert run_whoami(again, profile=None, flags={}) == ExitStatus.REFUSED
    out, err = _output(again)
    assert out == ""
    assert err == "lq: error: not logged in (profile 'default'): run `lq login` to log in\n"


def test_profiles_keep_separate_tokens(server: Any, user: dict[str, Any], tmp_path: Path) -> None:
    other = server.rest.sign_up(f"cli-{uuid.uuid4().hex[:10]}", PASSWORD)
    (tmp_path / "config.toml").write_text("[profiles.default]\n[profiles.staging]\n")
    _login(server, tmp_path, user["username"])
    _login(server, tmp_path, other["username"], LQ_PROFILE="staging")
    for profile, expected in ((None, user), ("staging", other)):
        who = _env(server, tmp_path)
        assert run_whoami(who, profile=profile, flags={}) == ExitStatus.SUCCESS
        assert _output(who)[0].startswith(f"{expected['username']} (")


def test_wrong_password_is_refused_and_stores_nothing(
    server: Any, user: dict[str, Any], tmp_path: Path
) -> None:
    environment = _env(server, tmp_path, stdin="wrong password\n")
    status = run_login(
        environment, username=user["username"], password_stdin=True, profile=None, flags={}
    )
    assert status == ExitStatus.REFUSED
    assert _output(environment) == ("", "lq: error: invalid username or password\n")
    assert not credentials_path(environment.env).exists()


def test_whoami_with_a_revoked_session_names_the_profile_and_suggests_login(
    server: Any, user: dict[str, Any], tmp_path: Path
) -> None:
    environment = _login(server, tmp_path, user["username"])
    saved = load_credentials(environment.env, "default")
    assert saved is not None
    server.rest.revoke_session(saved.session_token)
    who = _env(server, tmp_path)
    assert run_whoami(who, profile=None, flags={}) == ExitStatus.REFUSED
    out, err = _output(who)
    assert out == ""
    assert err.count("\n") == 1
    assert "profile 'default'" in err
    assert "lq login" in err
    assert "209" in err
    assert saved.session_token not in err


def test_logout_of_a_revoked_session_still_forgets_it(
    server: Any, user: dict[str, Any], tmp_path: Path
) -> None:
    environment = _login(server, tmp_path, user["username"])
    saved = load_credentials(environment.env, "default")
    assert saved is not None
    server.rest.revoke_session(saved.session_token)
    bye = _env(server, tmp_path)
    assert run_logout(bye, local=False, profile=None, flags={}) == ExitStatus.SUCCESS
    assert _output(bye)[0] == (
        "Logged out (profile 'default') (the session had already ended on the server).\n"
    )
    assert load_credentials(bye.env, "default") is None


def test_session_token_from_the_environment_wins_over_the_stored_one(
    server: Any, user: dict[str, Any], tmp_path: Path
) -> None:
    _login(server, tmp_path, user["username"])
    other = server.rest.sign_up(f"cli-{uuid.uuid4().hex[:10]}", PASSWORD)
    who = _env(server, tmp_path, LQ_SESSION_TOKEN=other["sessionToken"])
    assert run_whoami(who, profile=None, flags={}) == ExitStatus.SUCCESS
    assert _output(who)[0].startswith(f"{other['username']} (")


def test_password_prompt_needs_a_terminal(server: Any, tmp_path: Path) -> None:
    environment = _env(server, tmp_path, stdin="secret\n")
    status = run_login(
        environment, username="someone", password_stdin=False, profile=None, flags={}
    )
    assert status == ExitStatus.USAGE
    assert _output(environment) == (
        "",
        "lq: error: no terminal to prompt for the password: use --password-stdin\n",
    )


def test_prompts_on_a_terminal(server: Any, user: dict[str, Any], tmp_path: Path) -> None:
    environment = _env(server, tmp_path, stdin=user["username"] + "\n")
    environment.stdin_isatty = True
    prompts: list[str] = []

    def fake_getpass(prompt: str) -> str:
        prompts.append(prompt)
        return PASSWORD

    status = run_login(
        environment,
        username=None,
        password_stdin=False,
        profile=None,
        flags={},
        prompt_password=fake_getpass,
    )
    assert status == ExitStatus.SUCCESS
    assert prompts == ["Password: "]
    out, err = _output(environment)
    assert err == "Username: "
    assert out.startswith(f"Logged in as {user['username']} (")


def test_login_without_an_application_id_is_a_usage_error(tmp_path: Path) -> None:
    environment = Environment(stdin=io.StringIO("pw\n"), env={"LQ_CONFIG_DIR": str(tmp_path)})
    status = run_login(environment, username="x", password_stdin=True, profile=None, flags={})
    assert status == ExitStatus.USAGE
    _out, err = _output(environment)
    assert err.startswith("lq: error: no application id")
