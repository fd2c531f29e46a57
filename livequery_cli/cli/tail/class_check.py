"""Warning once when ``lq tail`` watches a class that does not exist.

LiveQuery accepts a subscription to any class name, so ``lq tail game``
(for ``Game``) subscribes fine and then prints nothing, forever. A class
that has ever held an object has a schema, so when the keys allow reading
the schemas (the master key), a name missing from them is almost always a
typo: say so once, with the closest existing name. Without the master key,
or when the REST API is not reachable, nothing is said: that is not the
user's mistake to report.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

    from livequery_cli.cli.settings.profiles import Settings
    from livequery_cli.cli.tail.status_line import StatusReporter

__all__ = ["check_classes", "missing_class_warning"]


def missing_class_warning(class_name: str, known: Sequence[str]) -> str | None:
    """``no class 'game'; did you mean 'Game'?``, or ``None`` when the class exists."""
    if class_name in known:
        return None
    same_letters = [name for name in known if name.lower() == class_name.lower()]
    close = same_letters or difflib.get_close_matches(class_name, known, n=1, cutoff=0.6)
    if close:
        return f"no class {class_name!r}; did you mean {close[0]!r}?"
    return f"no class {class_name!r} on the server yet (no objects, no schema)"


async def check_classes(
    settings: Settings,
    tls: ssl.SSLContext | None,
    class_names: Sequence[str],
    status: StatusReporter,
) -> None:
    """Read the schemas and warn about each watched class missing from them (once each)."""
    if not settings.get("master_key"):
        return
    from livequery_cli.cli.tail.rest_stack import load_rest_stack

    await load_rest_stack()  # off the event loop: events may already be streaming
    from livequery_cli.cli.settings.tls import rest_session
    from livequery_cli.client.rest import RestClient
    from livequery_cli.exceptions import LiveQueryError

    session = rest_session(tls)
    try:
        client = RestClient(
            settings.server_url,
            settings.get("app_id") or "",
            javascript_key=settings.get("js_key"),
            master_key=settings.get("master_key"),
            session=session,
            timeout=10.0,
        )
    except ValueError:
        if session is not None:
            await session.close()
        return
    try:
        schemas = await client.schemas()
    except (LiveQueryError, OSError):
        return
    finally:
        await client.close()
        if session is not None:
            await session.close()
    known = [s["className"] for s in schemas if isinstance(s.get("className"), str)]
    for name in dict.fromkeys(class_names):
        warning = missing_class_warning(name, known)
        if warning is not None:
            status.note(f"warning: {warning}")
