"""Connection settings: where they live, and which source wins.

Each setting comes from the first of: a flag, an ``LQ_*`` environment
variable, the active profile (``[profiles.NAME]`` in ``config.toml``; for the
session token, first the token ``lq login`` stored for that profile), a
default. ``resolve`` records the source of every value so ``lq config show``
can explain the result, which is most of what debugging a CLI's config is.

Secrets may come from files (``--master-key-file``, ``-`` for stdin) so they
stay out of shell history and ``ps``.
"""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from livequery_cli.cli.settings.locations import config_path
from livequery_cli.exceptions import ConfigError
from livequery_cli.parse.urls import BadUrlError, live_query_url

if TYPE_CHECKING:
    from livequery_cli.cli.environment import Environment

SETTINGS: tuple[str, ...] = (
    "server_url",
    "live_query_url",
    "app_id",
    "js_key",
    "master_key",
    "session_token",
    "ca_file",
    "insecure",
    "proxy",
)
# How ``lq tail`` prints and reconnects; resolved like the connection settings
# (flag > ``LQ_*`` > profile > the command's default) but not needed to connect.
OUTPUT_SETTINGS: tuple[str, ...] = ("output", "color", "show", "timestamps", "max_backoff")
SECRETS = frozenset({"master_key", "session_token"})
FILE_KEYS = {"master_key_file": "master_key", "session_token_file": "session_token"}
PROFILE_KEYS = frozenset(SETTINGS) | frozenset(FILE_KEYS) | frozenset(OUTPUT_SETTINGS)
DEFAULT_SERVER_URL = "http://localhost:1337/parse"
DEFAULT_PROFILE = "default"


def env_var(setting: str) -> str:
    """The environment variable for a setting: ``app_id`` -> ``LQ_APP_ID``."""
    return "LQ_" + setting.upper()


def flag_name(setting: str) -> str:
    """The flag for a setting: ``live_query_url`` -> ``--live-query-url``."""
    return "--" + setting.replace("_", "-")


def profile_name(flag: str | None, env: Mapping[str, str]) -> tuple[str, bool]:
    """The active profile and whether the user named it (so a missing one is an error)."""
    if flag:
        return flag, True
    from_env = env.get("LQ_PROFILE")
    if from_env:
        return from_env, True
    return DEFAULT_PROFILE, False


@dataclass(frozen=True)
class ConfigFile:
    """A parsed ``config.toml``: its profiles, and whether it is readable by others.

    ``problems`` holds, per profile, what is wrong in it (an unknown key, a
    value that is not a string), each as a one-line message with the file and
    line. The key is left out of ``profiles``; only a command that uses that
    profile fails (``resolve``), so a typo in ``[profiles.staging]`` does not
    stop ``lq tail`` on the default profile.
    """

    path: Path
    profiles: dict[str, dict[str, str]]
    exposed: bool
    problems: dict[str, list[str]] = field(default_factory=dict)


def load_config_file(path: Path) -> ConfigFile | None:
    """Parse and validate ``path``; ``None`` when it does not exist."""
    try:
        raw = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    unknown = sorted(set(data) - {"profiles"})
    if unknown:
        raise ConfigError(f"{path}: unknown key {unknown[0]!r} (expected [profiles.NAME] tables)")
    profiles_raw = data.get("profiles", {})
    if not isinstance(profiles_raw, dict):
        raise ConfigError(f"{path}: 'profiles' must be a table of [profiles.NAME] tables")
    from livequery_cli.cli.settings.key_report import key_line, unknown_key_message

    text = raw.decode("utf-8")
    profiles: dict[str, dict[str, str]] = {}
    problems: dict[str, list[str]] = {}
    for name, table in profiles_raw.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: profiles.{name} must be a table")
        kept: dict[str, str] = {}
        for key, value in table.items():
            if key not in PROFILE_KEYS:
                message = unknown_key_message(path, text, name, key, PROFILE_KEYS)
                problems.setdefault(name, []).append(message)
            elif not isinstance(value, str):
                line = key_line(text, name, key)
                where = f"{path}:{line}" if line is not None else str(path)
                problems.setdefault(name, []).append(
                    f"{where}: profiles.{name}.{key} must be a string"
                )
            else:
                kept[key] = value
        profiles[name] = kept
    exposed = bool(mode & (stat.S_IRGRP | stat.S_IROTH))
    return ConfigFile(path=path, profiles=profiles, exposed=exposed, problems=problems)


@dataclass(frozen=True)
class Value:
    """One resolved setting and a human description of where it came from."""

    value: str | None
    source: str


@dataclass
class Settings:
    """The effective connection settings after applying precedence."""

    profile: str
    values: dict[str, Value] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The variables the settings were read from (``HTTPS_PROXY`` and friends live there)."""

    def get(self, name: str) -> str | None:
        return self.values[name].value

    def proxy_for(self, url: str) -> str | None:
        """The proxy to reach ``url`` through: ``--proxy``/``LQ_PROXY``/profile, else the
        standard ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``/``NO_PROXY`` variables."""
        from livequery_cli.client.transports.proxy import proxy_for

        return proxy_for(url, explicit=self.get("proxy"), env=self.env)

    @property
    def server_url(self) -> str:
        return self.get("server_url") or DEFAULT_SERVER_URL

    @property
    def live_query_url(self) -> str:
        """The explicit LiveQuery URL, else the REST URL with ``http`` -> ``ws`` (as the JS SDK)."""
        explicit = self.get("live_query_url")
        if explicit:
            return explicit
        try:
            return live_query_url(self.server_url)
        except BadUrlError as exc:
            raise ConfigError(f"{exc} (--server-url)") from None


def read_secret_file(spec: str, stdin: IO[str]) -> str:
    """Read a secret from a path, or from stdin when ``spec`` is ``-``; strip the newline."""
    try:
        text = stdin.read() if spec == "-" else Path(spec).expanduser().read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read secret file {spec}: {exc.strerror}") from None
    secret = text.strip()
    if not secret:
        raise ConfigError(f"secret file {'(stdin)' if spec == '-' else spec} is empty")
    return secret


def resolve(
    *,
    flags: Mapping[str, str | None],
    env: Mapping[str, str],
    stdin: IO[str],
    profile_flag: str | None = None,
    stored_token: Callable[[str], str | None] | None = None,
) -> Settings:
    """Apply flag > env > profile > default to every setting.

    ``flags`` holds the command line's values by setting name, plus
    ``master_key_file``/``session_token_file``. ``stored_token(profile)``
    looks up the session token saved by ``lq login``.
    """
    if sum(1 for key in FILE_KEYS if flags.get(key) == "-") > 1:
        raise ConfigError("only one secret can be read from stdin ('-')")
    name, named = profile_name(profile_flag, env)
    path = config_path(env)
    loaded = load_config_file(path)
    profile: dict[str, str] = {}
    settings = Settings(profile=name, env=env)
    if loaded is not None:
        if name in loaded.profiles:
            profile = loaded.profiles[name]
        elif named:
            known = ", ".join(sorted(loaded.profiles)) or "none"
            raise ConfigError(f"profile {name!r} not found in {path} (profiles: {known})")
        _check_problems(loaded, name, settings)
        if loaded.exposed and any(key in profile for key in SECRETS):
            settings.warnings.append(
                f"lq: warning: {path} holds secrets and is readable by other users "
                f"(run: chmod 600 {path})"
            )
    elif named and name != DEFAULT_PROFILE:
        raise ConfigError(f"profile {name!r} not found: {path} does not exist")
    where = f"profile {name!r} ({path})"
    for setting in SETTINGS:
        settings.values[setting] = _resolve_one(
            setting, flags, env, stdin, profile, where, name, stored_token
        )
    for setting in OUTPUT_SETTINGS:
        settings.values[setting] = _resolve_one(
            setting, flags, env, stdin, profile, where, name, None
        )
    return settings


def _check_problems(loaded: ConfigFile, active: str, settings: Settings) -> None:
    """Fail on a problem in the active profile; only warn about the other profiles."""
    own = loaded.problems.get(active, [])
    if own:
        more = f" (and {len(own) - 1} more)" if len(own) > 1 else ""
        raise ConfigError(own[0] + more)
    for name in sorted(loaded.problems):
        for message in loaded.problems[name]:
            settings.warnings.append(f"lq: warning: {message}")


def _resolve_one(
    setting: str,
    flags: Mapping[str, str | None],
    env: Mapping[str, str],
    stdin: IO[str],
    profile: Mapping[str, str],
    where: str,
    profile_name: str,
    stored_token: Callable[[str], str | None] | None,
) -> Value:
    file_key = setting + "_file"
    flag_value = flags.get(setting)
    if flag_value:
        return Value(flag_value, f"flag {flag_name(setting)}")
    file_flag = flags.get(file_key)
    if file_flag:
        return Value(read_secret_file(file_flag, stdin), f"flag {flag_name(file_key)}")
    env_value = env.get(env_var(setting))
    if env_value:
        return Value(env_value, f"env {env_var(setting)}")
    if setting == "session_token" and stored_token is not None:
        token = stored_token(profile_name)
        if token:
            return Value(token, f"lq login (profile {profile_name!r})")
    if profile.get(setting):
        return Value(profile[setting], where)
    if profile.get(file_key):
        return Value(read_secret_file(profile[file_key], stdin), f"{where}, {file_key}")
    if setting == "server_url":
        return Value(DEFAULT_SERVER_URL, "default")
    return Value(None, "unset")


def mask(setting: str, value: str | None) -> str:
    """How a value is shown: secrets only as whether they are set."""
    if value is None:
        return "-"
    if setting in SECRETS:
        return "******** (set)"
    if setting == "proxy" and "@" in value:
        from livequery_cli.client.transports.proxy import redact_proxy

        return redact_proxy(value) + " (with credentials)"
    return value


def resolve_for(
    environment: Environment,
    *,
    flags: Mapping[str, str | None],
    profile: str | None,
    stored_tokens: bool = True,
) -> Settings:
    """``resolve`` as a command runs it: its environment's variables and stdin.

    The session tokens ``lq login`` saved count (unless ``stored_tokens`` is
    False), and the warnings go to the environment's stderr at once, so every
    command reports a doubtful config file the same way.
    """
    settings = resolve(
        flags=flags,
        env=environment.env,
        stdin=environment.stdin,
        profile_flag=profile,
        stored_token=stored_token_lookup(environment.env) if stored_tokens else None,
    )
    for warning in settings.warnings:
        environment.stderr.write(warning + "\n")
    return settings


def stored_token_lookup(env: Mapping[str, str]) -> Callable[[str], str | None]:
    """``lookup(profile)``: the session token ``lq login`` saved for a profile, if any."""

    def lookup(profile: str) -> str | None:
        from livequery_cli.cli.settings.credentials import load_session_token

        return load_session_token(env, profile)

    return lookup
