"""``lq tail``'s sync stage: snapshot, resync after reconnect, ``--since``.

Between a subscription and the runner sits a ``SyncEngine`` per query when
any of ``--snapshot``, ``--since`` or resync (the default when the REST URL
is known) is on. Real events go to the runner's ``deliver`` after one view
update; snapshot records and synthetic resync events go to
``deliver_marked``; loads are reported on stderr (``reconnected after 4.1 s:
resynced 2 updates, 1 leave``) and, with ``--status-events``, as status
records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from livequery_cli.cli.query_input import SubscribeQuery
from livequery_cli.cli.tail.start_version import ROWS
from livequery_cli.cli.tail.status_line import StatusReporter

if TYPE_CHECKING:
    import ssl

    import aiohttp

    from livequery_cli.cli.settings.profiles import Settings
    from livequery_cli.cli.tail.runner import Deliver
    from livequery_cli.cli.tail.start_version import StartVersionReader
    from livequery_cli.cli.tail.stats import TailStats
    from livequery_cli.client.rest import RestClient
    from livequery_cli.client.subscription import Subscription
    from livequery_cli.synced.engine import ResyncReport

__all__ = ["SyncOptions", "SyncStage"]

_PREPARE_TIMEOUT_S = 10.0
"""How long the start-of-tail version read may delay the first subscribe."""
_REST_TIMEOUT_S = 30.0
"""The REST client's timeout, also for a page of the lean read's versions."""


class DeliverMarked(Protocol):
    """``TailRunner.deliver_marked``: a record of subscription ``sub`` the engine made."""

    def __call__(
        self,
        sub: int,
        class_name: str,
        op: str,
        obj: dict[str, Any],
        original: dict[str, Any] | None,
        *,
        kind: str,
        synthetic: bool,
    ) -> None: ...


StatusEvent = Callable[..., None]


@dataclass(frozen=True)
class SyncOptions:
    """What the sync stage does; ``enabled`` is False for a plain tail."""

    snapshot: bool = False
    resync: bool = False
    since: datetime | None = None

    @property
    def enabled(self) -> bool:
        return self.snapshot or self.resync or self.since is not None


class SyncStage:
    """Builds and binds one engine per subscription; owns the REST client."""

    def __init__(
        self,
        options: SyncOptions,
        settings: Settings,
        *,
        status: StatusReporter,
        deliver_marked: DeliverMarked,
        status_event: StatusEvent,
        fail: Callable[[BaseException], None],
        stats: TailStats | None = None,
        several: bool = False,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self._options = options
        self._settings = settings
        self._status = status
        self._deliver_marked = deliver_marked
        self._status_event = status_event
        self._fail = fail
        self._stats = stats
        self._several = several
        self._tls = tls
        self._rest: RestClient | None = None
        self._session: aiohttp.ClientSession | None = None
        self._unbinders: list[Callable[[], None]] = []
        self._started_at: dict[str, list[Any] | None] = {}

    def _rest_client(self) -> RestClient:
        if self._rest is None:
            from livequery_cli.cli.settings.tls import rest_session
            from livequery_cli.client.rest import RestClient

            settings = self._settings
            self._session = rest_session(self._tls)
            self._rest = RestClient(
                settings.server_url,
                settings.get("app_id") or "",
                javascript_key=settings.get("js_key"),
                master_key=settings.get("master_key"),
                session_token=settings.get("session_token"),
                session=self._session,
                timeout=_REST_TIMEOUT_S,
                proxy=settings.proxy_for(settings.server_url),
            )
        return self._rest

    @property
    def _seeds(self) -> bool:
        """Whether the first load is silent (resync without snapshot or ``--since``)."""
        options = self._options
        return options.resync and not options.snapshot and options.since is None

    async def prepare(self, queries: Sequence[SubscribeQuery]) -> None:
        """Before subscribing: note, per class, the newest version the server has.

        A silent first load prints nothing, so an object it takes in that
        was written after the tail started, and whose event is then lost
        with the socket, would never be printed. With this bound the load
        tells those objects from the ones that were there before. Without it
        (the REST API did not answer in time) everything the load finds
        counts as already there. The read does not use the REST client:
        it is on the start-up path (see ``start_version``).
        """
        if not self._seeds:
            return
        import asyncio

        reader = self._plain_reader(_PREPARE_TIMEOUT_S)
        classes = list(dict.fromkeys(q.class_name for q in queries))
        versions = await asyncio.gather(*(reader.newest_rows(name) for name in classes))
        self._started_at.update(zip(classes, versions, strict=True))

    def _plain_reader(self, timeout: float) -> StartVersionReader:
        """GETs over the standard library (no REST stack), with the REST client's credentials."""
        from livequery_cli.cli.tail.start_version import StartVersionReader

        settings = self._settings
        return StartVersionReader(
            settings.server_url,
            settings.get("app_id") or "",
            javascript_key=settings.get("js_key"),
            master_key=settings.get("master_key"),
            session_token=settings.get("session_token"),
            tls=self._tls,
            timeout=timeout,
            proxy=settings.proxy_for(settings.server_url),
        )

    def bind(self, sub: Subscription, index: int, query: SubscribeQuery, deliver: Deliver) -> None:
        """Put an engine between ``sub`` and the runner and start its first load."""
        from livequery_cli.synced.binding import bind_engine
        from livequery_cli.synced.engine import SyncEngine
        from livequery_cli.synced.lean import DeferredSource, ResultSetSource
        from livequery_cli.synced.start_point import start_point_of

        options = self._options
        class_name = query.class_name
        rows = self._started_at.get(class_name)
        snapshot = options.snapshot or options.since is not None

        async def make_reader() -> ResultSetSource:
            # The REST stack (aiohttp) is imported at the first load, not at start-up,
            # and off the event loop: events are already streaming (see rest_stack).
            from livequery_cli.cli.tail.rest_stack import load_rest_stack

            await load_rest_stack()
            from livequery_cli.synced.fetch import result_set_fetch

            return result_set_fetch(
                self._rest_client(),
                class_name,
                query.where,
                keys=query.keys,
                since=options.since,
            )

        marked = self._deliver_marked

        # A partial, not a closure: one Python frame less per event on the hot path.
        live = partial(deliver, index, class_name)

        def on_marked(
            op: str,
            obj: dict[str, Any],
            original: dict[str, Any] | None,
            *,
            kind: str,
            synthetic: bool,
        ) -> None:
            marked(index, class_name, op, obj, original, kind=kind, synthetic=synthetic)

        source: ResultSetSource = DeferredSource(make_reader)
        if options.since is None:
            from livequery_cli.cli.tail.light_versions import LightVersionSource

            # Version pages without the REST stack; whole objects through it (see light_versions).
            reader = self._plain_reader(_REST_TIMEOUT_S)
            source = LightVersionSource(reader, class_name, query.where, make_reader)
        engine = SyncEngine(
            source,
            live=live,
            marked=on_marked,
            loaded=lambda report: self._loaded(index, class_name, report),
            failed=lambda exc, kind: self._failed(class_name, exc, kind),
            first="snapshot" if snapshot else "seed",
            resync=options.resync,
            keep_objects=False,
            unshown_after=None if rows is None else start_point_of(rows, limit=ROWS),
        )
        self._unbinders.append(bind_engine(sub, engine))

    def _loaded(self, index: int, class_name: str, report: ResyncReport) -> None:
        if report.kind != "resync":
            self._status_event("synced", sub=index, count=report.size)
            return
        if self._stats is not None:
            self._stats.resyncs += 1
        counts = {op: report.counts.get(op, 0) for op in ("enter", "update", "leave")}
        self._status_event("resynced", sub=index, **counts)
        where = f" ({class_name})" if self._several else ""
        away = f" after {report.away:.1f} s" if report.away is not None else ""
        self._status.resynced(f"reconnected{away}: resynced {report.summary()}{where}")

    def _failed(self, class_name: str, exc: BaseException, kind: str) -> None:
        if kind == "snapshot":
            self._fail(exc)
        elif kind == "resync":
            self._status.note(f"resync of {class_name} failed ({exc}); retrying")
        else:
            self._status.note(f"resync off for {class_name}: the REST find failed ({exc})")

    async def close(self) -> None:
        for unbind in self._unbinders:
            unbind()
        self._unbinders.clear()
        if self._rest is not None:
            await self._rest.close()
        if self._session is not None:
            await self._session.close()
