"""``lq config``: see the effective settings and where each one came from.

``lq config show`` takes the same connection flags as ``lq tail``, so
``lq config show --profile prod`` answers "what would ``lq tail --profile
prod`` use?" exactly. Secrets are shown only as set or unset.
"""

from __future__ import annotations

import typer

from livequery_cli.cli.environment import Environment
from livequery_cli.cli.options import (
    AppIdOpt,
    JsKeyOpt,
    LiveQueryUrlOpt,
    MasterKeyFileOpt,
    MasterKeyOpt,
    ProfileOpt,
    ProxyOpt,
    ServerUrlOpt,
    SessionTokenFileOpt,
    SessionTokenOpt,
    connection_flags,
)

config_app = typer.Typer(
    help="Show the configuration: effective settings, config file, profiles.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


@config_app.command("show")
def show(
    ctx: typer.Context,
    server_url: ServerUrlOpt = None,
    live_query_url: LiveQueryUrlOpt = None,
    app_id: AppIdOpt = None,
    js_key: JsKeyOpt = None,
    master_key: MasterKeyOpt = None,
    master_key_file: MasterKeyFileOpt = None,
    session_token: SessionTokenOpt = None,
    session_token_file: SessionTokenFileOpt = None,
    proxy: ProxyOpt = None,
    profile: ProfileOpt = None,
) -> int:
    """Print the effective settings (secrets masked) and the source of each."""
    from livequery_cli.cli.environment import current_environment

    flags = connection_flags(
        server_url=server_url,
        live_query_url=live_query_url,
        app_id=app_id,
        js_key=js_key,
        master_key=master_key,
        master_key_file=master_key_file,
        session_token=session_token,
        session_token_file=session_token_file,
        proxy=proxy,
    )
    return run_show(current_environment(ctx), flags=flags, profile=profile)


@config_app.command("path")
def path(ctx: typer.Context) -> int:
    """Print the path of the config file (LQ_CONFIG, else config.toml in the config dir)."""
    from livequery_cli.cli.environment import current_environment
    from livequery_cli.cli.settings.locations import config_path

    env = current_environment(ctx)
    env.stdout.write(f"{config_path(env.env)}\n")
    return 0


@config_app.command("profiles")
def profiles(ctx: typer.Context) -> int:
    """List the profile names in the config file, one per line."""
    from livequery_cli.cli.environment import current_environment

    return run_profiles(current_environment(ctx))


def run_profiles(env: Environment) -> int:
    from livequery_cli.cli.exit_status import report
    from livequery_cli.cli.settings.locations import config_path
    from livequery_cli.cli.settings.profiles import load_config_file

    try:
        loaded = load_config_file(config_path(env.env))
    except Exception as exc:
        return report(env.stderr, exc)
    for name in sorted(loaded.profiles) if loaded else []:
        env.stdout.write(f"{name}\n")
    return 0


def run_show(env: Environment, *, flags: dict[str, str | None], profile: str | None = None) -> int:
    """Resolve and print the settings table; return the exit status."""
    from livequery_cli.cli.exit_status import report
    from livequery_cli.cli.output.terminal_text import escape_text
    from livequery_cli.cli.settings.locations import config_path
    from livequery_cli.cli.settings.profiles import (
        OUTPUT_SETTINGS,
        SETTINGS,
        mask,
        resolve_for,
    )

    try:
        settings = resolve_for(env, flags=flags, profile=profile)
    except Exception as exc:
        return report(env.stderr, exc, profile=profile)
    path_ = config_path(env.env)
    env.stdout.write(f"{'profile':<15} {settings.profile}\n")
    missing = "" if path_.exists() else "  (not found)"
    env.stdout.write(f"{'config_file':<15} {path_}{missing}\n")
    rows = []
    for name in SETTINGS:
        resolved = settings.values[name]
        shown, source = mask(name, resolved.value), resolved.source
        if name == "live_query_url" and resolved.value is None:
            shown, source = settings.live_query_url, "derived from server_url"
        rows.append((name, escape_text(shown), source))
    # The output settings only when set: they have a flag on ``lq tail`` too.
    for name in OUTPUT_SETTINGS:
        resolved = settings.values[name]
        if resolved.value is not None:
            rows.append((name, escape_text(resolved.value), resolved.source))
    width = max(len(value) for _, value, _ in rows)
    for name, value, source in rows:
        env.stdout.write(f"{name:<15} {value:<{width}}  ({source})\n")
    env.stdout.flush()
    return 0
