"""``lq login``, ``lq logout``, ``lq whoami``: the session token of a profile.

``lq login`` trades a username and password for a session token and stores
it in the profile's credentials file (``credentials.py``), where ``lq tail``
picks it up. The password is read without echo (or from stdin with
``--password-stdin``, for scripts) and is sent only to the server. The token is
never printed: a token on a terminal ends up in scrollback, screen shares and
CI logs, and it is as good as the password until it is revoked.

Each command is a thin Typer function over a ``run_*`` function that takes an
``Environment`` and returns the exit status, which is what the tests drive.
"""

from __future__ import annotations

import asyncio
import getpass
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, TypeVar

import typer

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.exit_status import ExitStatus, classify
from livequery_cli.cli.options import (
    AppIdOpt,
    JsKeyOpt,
    ProfileOpt,
    ServerUrlOpt,
    SessionTokenFileOpt,
    SessionTokenOpt,
    connection_flags,
)
from livequery_cli.cli.output.terminal_text import escape_text
from livequery_cli.cli.settings.credentials import (
    delete_session_token,
    load_credentials,
    save_session_token,
)
from livequery_cli.cli.settings.profiles import Settings, resolve_for
from livequery_cli.client.rest import RestClient
from livequery_cli.exceptions import ConfigError, RestAuthError, TransportError

__all__ = ["login", "logout", "run_login", "run_logout", "run_whoami", "whoami"]

T = TypeVar("T")


def _environment(ctx: typer.Context) -> Environment:
    from livequery_cli.cli.environment import current_environment

    return current_environment(ctx)


def login(
    ctx: typer.Context,
    username: Annotated[
        str | None, typer.Argument(help="Username (prompted for when omitted).")
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from stdin (first line)."),
    ] = False,
    profile: ProfileOpt = None,
    server_url: ServerUrlOpt = None,
    app_id: AppIdOpt = None,
    js_key: JsKeyOpt = None,
) -> None:
    """Log in and store the session token in the profile's credentials file."""
    flags = connection_flags(server_url=server_url, app_id=app_id, js_key=js_key)
    status = run_login(
        _environment(ctx),
        username=username,
        password_stdin=password_stdin,
        profile=profile,
        flags=flags,
    )
    raise typer.Exit(int(status))


def logout(
    ctx: typer.Context,
    local: Annotated[
        bool,
        typer.Option("--local", help="Only forget the stored token; do not contact the server."),
    ] = False,
    profile: ProfileOpt = None,
    server_url: ServerUrlOpt = None,
    app_id: AppIdOpt = None,
    js_key: JsKeyOpt = None,
    session_token: SessionTokenOpt = None,
    session_token_file: SessionTokenFileOpt = None,
) -> None:
    """End the session on the server and forget the profile's stored token."""
    flags = connection_flags(
        server_url=server_url,
        app_id=app_id,
        js_key=js_key,
        session_token=session_token,
        session_token_file=session_token_file,
    )
    status = run_logout(_environment(ctx), local=local, profile=profile, flags=flags)
    raise typer.Exit(int(status))


def whoami(
    ctx: typer.Context,
    profile: ProfileOpt = None,
    server_url: ServerUrlOpt = None,
    app_id: AppIdOpt = None,
    js_key: JsKeyOpt = None,
    session_token: SessionTokenOpt = None,
    session_token_file: SessionTokenFileOpt = None,
) -> None:
    """Print the user the session token belongs to (asks the server: users/me)."""
    flags = connection_flags(
        server_url=server_url,
        app_id=app_id,
        js_key=js_key,
        session_token=session_token,
        session_token_file=session_token_file,
    )
    status = run_whoami(_environment(ctx), profile=profile, flags=flags)
    raise typer.Exit(int(status))


# -- the commands, testable without a process -------------------------------------


def run_login(
    environment: Environment,
    *,
    username: str | None,
    password_stdin: bool,
    profile: str | None,
    flags: Mapping[str, str | None],
    prompt_password: Callable[[str], str] = getpass.getpass,
) -> ExitStatus:
    settings: Settings | None = None
    try:
        settings = _settings(environment, profile, flags)
        app_id = _require_app_id(settings)
        name = username if username is not None else _prompt_username(environment)
        if not name:
            raise ConfigError("the username is empty")
        password = _read_password(environment, password_stdin, prompt_password)
        client = _rest_client(settings, app_id)
        try:
            user = _run(_closing(client, client.log_in(name, password)))
        except RestAuthError as exc:
            if exc.code != 101:
                raise
            _error(environment, "invalid username or password")
            return ExitStatus.REFUSED
        token = user.get("sessionToken")
        if not isinstance(token, str) or not token:
            _error(environment, "the server's login answer has no session token")
            return ExitStatus.ERROR
        save_session_token(environment.env, settings.profile, token, name)
        _say(
            environment,
            f"Logged in as {escape_text(name)} ({_object_id(user)}), profile {settings.profile!r}.",
        )
        return ExitStatus.SUCCESS
    except Exception as exc:
        return _fail(environment, exc, settings)


def run_logout(
    environment: Environment,
    *,
    local: bool,
    profile: str | None,
    flags: Mapping[str, str | None],
) -> ExitStatus:
    settings: Settings | None = None
    try:
        settings = _settings(environment, profile, flags)
        token = settings.get("session_token")
        stored = load_credentials(environment.env, settings.profile)
        if token is None:
            _say(environment, f"Not logged in (profile {settings.profile!r}).")
            return ExitStatus.SUCCESS
        note = ""
        if not local:
            client = _rest_client(settings, _require_app_id(settings), session_token=token)
            try:
                _run(_closing(client, client.log_out()))
            except RestAuthError:
                note = " (the session had already ended on the server)"
            except TransportError as exc:
                _error(
                    environment,
                    f"{escape_text(str(exc))}; the stored token is kept so that `lq logout` "
                    "can be retried (`lq logout --local` forgets it without the server)",
                )
                return ExitStatus.CONNECTION_FAILED
        if stored is not None and stored.session_token == token:
            delete_session_token(environment.env, settings.profile)
        elif local:
            _say(environment, f"No stored token for profile {settings.profile!r}.")
            return ExitStatus.SUCCESS
        _say(environment, f"Logged out (profile {settings.profile!r}){note}.")
        return ExitStatus.SUCCESS
    except Exception as exc:
        return _fail(environment, exc, settings)


def run_whoami(
    environment: Environment,
    *,
    profile: str | None,
    flags: Mapping[str, str | None],
) -> ExitStatus:
    settings: Settings | None = None
    try:
        settings = _settings(environment, profile, flags)
        token = settings.get("session_token")
        if token is None:
            _error(
                environment,
                f"not logged in (profile {settings.profile!r}): run `lq login` to log in",
            )
            return ExitStatus.REFUSED
        client = _rest_client(settings, _require_app_id(settings), session_token=token)
        user = _run(_closing(client, client.me()))
        username = user.get("username")
        shown = escape_text(username) if isinstance(username, str) else "(no username)"
        _say(environment, f"{shown} ({_object_id(user)})")
        return ExitStatus.SUCCESS
    except Exception as exc:
        return _fail(environment, exc, settings)


# -- helpers ----------------------------------------------------------------------------


def _settings(
    environment: Environment, profile: str | None, flags: Mapping[str, str | None]
) -> Settings:
    return resolve_for(environment, flags=flags, profile=profile)


def _rest_client(
    settings: Settings, application_id: str, *, session_token: str | None = None
) -> RestClient:
    try:
        return RestClient(
            settings.server_url,
            application_id,
            javascript_key=settings.get("js_key"),
            session_token=session_token,
            proxy=settings.proxy_for(settings.server_url),
        )
    except ValueError as exc:  # a bad --server-url is the user's setting, not a bug
        raise ConfigError(str(exc)) from None


def _require_app_id(settings: Settings) -> str:
    app_id = settings.get("app_id")
    if not app_id:
        raise ConfigError(
            "no application id: pass --app-id, set LQ_APP_ID, "
            f"or set app_id in profile {settings.profile!r}"
        )
    return app_id


def _prompt_username(environment: Environment) -> str:
    if not environment.stdin_isatty:
        raise ConfigError("give the username as an argument (stdin is not a terminal)")
    environment.stderr.write("Username: ")
    environment.stderr.flush()
    return environment.stdin.readline().strip()


def _read_password(environment: Environment, from_stdin: bool, prompt: Callable[[str], str]) -> str:
    if from_stdin:
        line = environment.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise ConfigError("--password-stdin: stdin gave an empty password")
        return password
    if not environment.stdin_isatty:
        raise ConfigError("no terminal to prompt for the password: use --password-stdin")
    password = prompt("Password: ")
    if not password:
        raise ConfigError("the password is empty")
    return password


async def _closing(client: RestClient, call: Awaitable[T]) -> T:
    try:
        return await call
    finally:
        await client.close()


def _run(call: Awaitable[T]) -> T:
    async def main() -> T:
        return await call

    return asyncio.run(main())


def _object_id(user: Mapping[str, Any]) -> str:
    oid = user.get("objectId")
    return f"objectId {escape_text(oid)}" if isinstance(oid, str) else "no objectId"


def _say(environment: Environment, line: str) -> None:
    environment.stdout.write(line + "\n")
    environment.stdout.flush()


def _error(environment: Environment, message: str) -> None:
    environment.stderr.write(f"lq: error: {message}\n")
    environment.stderr.flush()


def _fail(environment: Environment, exc: Exception, settings: Settings | None) -> ExitStatus:
    outcome = classify(
        exc,
        profile=settings.profile if settings else None,
        token_source=settings.values["session_token"].source if settings else None,
    )
    for line in outcome.lines:
        environment.stderr.write(line + "\n")
    environment.stderr.flush()
    return outcome.status
