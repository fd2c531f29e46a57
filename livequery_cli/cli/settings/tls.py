"""``--ca-file`` and ``--insecure``: how ``lq tail`` verifies TLS certificates.

By default ``wss://`` and ``https://`` certificates are checked against the
system's trust store. A private CA (a self-signed development server, a
company CA) is trusted with ``--ca-file FILE``; ``--insecure`` turns checking
off altogether, which is loud on purpose: one warning line on stderr every
run. The same context serves the LiveQuery socket and the REST calls
(snapshot, resync, the session check), so both ends of the tail trust the
same certificates.

The CA file is read here, before connecting, so a missing or unreadable
file is a usage error (exit 2), not a connection failure.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import TYPE_CHECKING

from livequery_cli.cli.exit_status import UsageError

if TYPE_CHECKING:
    import aiohttp

    from livequery_cli.cli.settings.profiles import Settings

__all__ = ["INSECURE_WARNING", "parse_switch", "rest_session", "tls_context"]

INSECURE_WARNING = "lq: warning: TLS certificate verification is off"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def parse_switch(text: str | None, source: str) -> bool:
    """``1``/``true``/``yes``/``on`` or ``0``/``false``/``no``/``off`` (None is off)."""
    if text is None:
        return False
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise UsageError(f"insecure (from {source}): expected 1 or 0, got {text!r}")


def tls_context(settings: Settings) -> tuple[ssl.SSLContext | None, bool]:
    """The context for ``ca_file``/``insecure`` (None: the defaults) and whether it is insecure.

    Raises ``UsageError`` for a CA file that cannot be read or holds no
    certificate.
    """
    insecure_value = settings.values["insecure"]
    insecure = parse_switch(insecure_value.value, insecure_value.source)
    ca_file = settings.get("ca_file")
    source = settings.values["ca_file"].source
    if insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context, True
    if not ca_file:
        return None, False
    path = Path(ca_file).expanduser()
    if path.is_dir():
        raise UsageError(f"CA file {ca_file} (from {source}) is a directory")
    try:
        context = ssl.create_default_context(cafile=str(path))
    except OSError as exc:
        if isinstance(exc, ssl.SSLError):
            raise UsageError(
                f"CA file {ca_file} (from {source}) holds no PEM certificate"
            ) from None
        raise UsageError(f"cannot read CA file {ca_file} (from {source}): {exc.strerror}") from None
    return context, False


def rest_session(context: ssl.SSLContext | None) -> aiohttp.ClientSession | None:
    """An ``aiohttp`` session that verifies with ``context`` (None: the default session)."""
    if context is None:
        return None
    import aiohttp

    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context))
