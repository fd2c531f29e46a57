"""Snapshot-then-watch and resync-after-reconnect for one subscription.

Parse's LiveQuery has no resume and no initial result set: events sent while
a client is disconnected are lost, and a new subscriber only hears about
changes. ``SyncEngine`` closes both gaps with the REST ``find`` the server
already has, using one procedure for the first load and for every reconnect:

1. Start buffering events (at construction for the first load; on the
   subscription's ``open`` after a resubscribe, before any event of the new
   socket is delivered).
2. Run the ``find`` (paged by ``objectId``, exact while others write). For
   a lean view's seed or resync it is the lean read of
   ``livequery_cli.synced.lean``: every member's version, then whole objects
   only for the members that differ from the view; its snapshot parks
   the objects on disk until they are sorted.
3. Without yielding to the event loop: turn the old view into the fresh
   result set (snapshot records, or synthetic ``enter``/``update``/``leave``
   events), then replay the buffer, skipping what the ``find`` already
   showed, then go live.

Every event written after the ``find`` started is in the buffer, and every
write committed before it is in the ``find``'s answer, so nothing falls in
between. De-duplication compares ``updatedAt`` versions: an adding event
whose version is not newer than the view's is a repeat, and so is a
``leave`` of an object the ``find`` no longer returned. A ``delete`` applies
whenever the object is still in the view (objectIds are never reused). For
an object the ``find`` did not return, buffered events are dropped when the
last of them takes it out of the set: they are history from before the
``find``, not changes after it.

A *seed* (resync on, no snapshot wanted) is the silent version of the first
load: it only gives later resyncs a picture to compare with, so it does not
hold events back. They are delivered at once and noted on the side, and the
notes are replayed onto the ``find``'s answer with the same rules.

A seed can take in, silently, a write made after the subscription began
whose event has not arrived yet. If the socket drops before it does, that
event is lost and no later ``find`` differs from the view. So when the
caller knows ``unshown_after`` (the newest version before the subscription's
start, on the server's clock, and the objects at it: a ``StartPoint``), seed
members written since that no noted event showed are marked *unshown*: the
next comparison reports them, and a seed that had to restart after a
reconnect reports them at once (as a resync). Objects written before the
tail started stay silent, the newest of them included (see
``livequery_cli.synced.start_point``).

An event frame can also trail the ``find`` that already read its write: for
``IN_FLIGHT_WINDOW`` seconds after a load, a live event at a version the load
printed (or an older one) is dropped as a repeat. Nothing else is compared
with the view: two saves within one millisecond carry the same ``updatedAt``,
and both are shown.

Once live, an event costs one dict operation on the view plus the delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from livequery_cli.synced.in_flight import IN_FLIGHT_WINDOW, InFlightRepeats
from livequery_cli.synced.lean import (
    FreshSet,
    ResultSetSource,
    Wanted,
    read_lean,
    read_spilled,
    shown_versions,
    unshown_test,
)
from livequery_cli.synced.replay import Held, found_among, replay
from livequery_cli.synced.start_point import StartPoint
from livequery_cli.synced.view import REMOVING_OPS, ResultView, object_id, version

__all__ = ["Fetch", "LoadKind", "Marked", "ResyncReport", "SyncEngine"]

logger = logging.getLogger("livequery_cli.synced")

Fetch = Callable[[], Awaitable[dict[str, dict[str, Any]]]]
"""The fresh result set, by objectId (a REST ``find_all``); or a ``ResultSetSource``."""
Live = Callable[[str, dict[str, Any], "dict[str, Any] | None"], None]
"""``(op, object, original)``: a real event, in wire order."""


class Marked(Protocol):
    """Receives a record the engine made: ``kind`` ``"snapshot"`` or ``"event"``."""

    def __call__(
        self,
        op: str,
        obj: dict[str, Any],
        original: dict[str, Any] | None,
        *,
        kind: str,
        synthetic: bool,
    ) -> None: ...


"""``(op, object, original, kind, synthetic)``: a snapshot record or a resync event."""
LoadKind = Literal["snapshot", "seed", "resync"]

_RETRY_DELAYS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass
class ResyncReport:
    """What a load found: counts by op, and how long the subscription was away."""

    kind: LoadKind
    counts: dict[str, int] = field(default_factory=dict)
    away: float | None = None
    size: int = 0

    def summary(self) -> str:
        """``2 updates, 1 leave`` (``no changes`` when nothing differed)."""
        parts = []
        for op in ("enter", "update", "leave"):
            n = self.counts.get(op, 0)
            if n:
                parts.append(f"{n} {op}{'s' if n != 1 else ''}")
        return ", ".join(parts) if parts else "no changes"


class SyncEngine:
    """The gap-free view of one subscription's result set.

    ``live`` receives real events; ``marked`` receives snapshot records
    (``kind="snapshot"``) and resync events (``synthetic=True``);
    ``loaded(report)`` runs after each load; ``failed(exc, kind)`` reports a
    failed ``find``: a snapshot then goes live without one (the caller
    decides whether that is fatal), a seed turns resync off, a resync
    retries with backoff until it succeeds or the socket drops again.
    """

    def __init__(
        self,
        fetch: Fetch,
        *,
        live: Live,
        marked: Marked,
        loaded: Callable[[ResyncReport], None] | None = None,
        failed: Callable[[BaseException, LoadKind], None] | None = None,
        first: LoadKind = "snapshot",
        resync: bool = True,
        clock: Callable[[], float] | None = None,
        keep_objects: bool = True,
        unshown_after: StartPoint | str | None = None,
        in_flight_window: float = IN_FLIGHT_WINDOW,
    ) -> None:
        self._fetch = fetch
        # A source can be read lean (see ``livequery_cli.synced.lean``).
        self._source: ResultSetSource | None = fetch if isinstance(fetch, ResultSetSource) else None
        self._live = live
        self._marked = marked
        self._loaded = loaded
        self._failed = failed
        self._first: LoadKind | None = first
        self._resync = resync
        self._clock = clock or _monotonic
        self._keep_objects = keep_objects
        # A bare version (no holders known): members at it count as old.
        self._unshown_after = (
            StartPoint(unshown_after) if isinstance(unshown_after, str) else unshown_after
        )
        self._seed_interrupted = False
        self.view = ResultView(keep_objects=keep_objects)
        self._buffer: Held | None = None if first == "seed" else []
        self._notes: Held | None = [] if first == "seed" else None
        self._task: asyncio.Task[None] | None = None
        self._left_at: float | None = None
        self._closed = False
        self.in_flight = InFlightRepeats(in_flight_window)

    # --- events -------------------------------------------------------------------

    def event(self, op: str, obj: dict[str, Any], original: dict[str, Any] | None) -> None:
        """One real event from the subscription (the hot path)."""
        buffer = self._buffer
        if buffer is not None:
            buffer.append((op, obj, original))
            return
        view = self.view
        if self.in_flight and op not in REMOVING_OPS and self.in_flight.absorbs(obj):
            return
        view.apply(op, obj)
        notes = self._notes
        if notes is not None:
            # A seed can take seconds on a big result set, and every event of
            # that time is noted: a lean view notes only what the replay reads.
            noted = obj if self._keep_objects else _identity(obj)
            notes.append((op, noted, None))
        self._live(op, obj, original)

    @property
    def loading(self) -> bool:
        """True while a ``find`` is running and events are being held back."""
        return self._buffer is not None

    # --- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        """Run the first load (the subscription is confirmed)."""
        self._begin(self._first or "resync")

    def interrupted(self) -> None:
        """The socket was lost: remember when, for the ``reconnected after`` report."""
        if self._left_at is None:
            self._left_at = self._clock()

    def reopened(self) -> None:
        """The subscription is live again on a new socket: buffer, then resync.

        Called from the subscription's ``open`` listener, before any event of
        the new socket is delivered. Events buffered on the old socket are
        dropped: the new ``find`` supersedes them all.
        """
        if self._closed:
            return
        kind = self._first
        if kind is None and not self._resync:
            self._left_at = None
            return
        if kind == "seed":
            self._seed_interrupted = True
        self._begin(kind or "resync")

    def close(self) -> None:
        """Stop: cancel a running load; events are delivered as they come."""
        self._closed = True
        self.in_flight.forget()
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
        self._flush_unfiltered()

    async def wait_loaded(self) -> None:
        """Wait for the load in progress, if any."""
        while self._task is not None and not self._task.done():
            await asyncio.wait([self._task])

    def _begin(self, kind: LoadKind) -> None:
        logger.debug("%s of the result set starting", kind)
        task = self._task
        if task is not None and not task.done():
            task.cancel()
        if kind == "seed":
            # Notes from an earlier socket stay: they record what was shown.
            if self._notes is None:
                self._notes = []
            if self._seed_interrupted:
                # Events may have been lost: like a resync, hold the new ones
                # back until what the find reveals is out.
                self._buffer = []
        else:
            # Events still held from an earlier socket are dropped: the new find
            # supersedes them, and replaying them could resurrect an object
            # whose leave fell into the gap.
            self._notes = None
            self._buffer = []
        self._task = asyncio.ensure_future(self._load(kind))

    async def _load(self, kind: LoadKind) -> None:
        attempt = 0
        while True:
            try:
                fresh = await self._read(kind)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._failed is not None:
                    self._failed(exc, kind)
                if kind != "resync":
                    # Without a picture there is nothing to resync against: go live as is.
                    if kind == "seed":
                        self._first = None
                        self._resync = False
                    self._flush_unfiltered()
                    return
                delay = _RETRY_DELAYS[min(attempt, len(_RETRY_DELAYS) - 1)]
                attempt += 1
                await asyncio.sleep(delay)
        try:
            self._apply(kind, fresh)
        except Exception as exc:  # a failing consumer must not leave events held back
            logger.exception("applying a %s failed", kind)
            self._flush_unfiltered()
            if self._failed is not None:
                self._failed(exc, "snapshot")

    async def _read(self, kind: LoadKind) -> FreshSet:
        """The fresh result set: whole, or for a lean view's seed or resync, lean.

        A lean read fetches whole objects only for the members a seed or
        resync will print (see ``livequery_cli.synced.lean``); a snapshot prints
        them all, so a lean view parks them on disk until they are sorted; a
        view that keeps objects needs them all.
        """
        if self._keep_objects:
            return FreshSet.of_objects(await self._fetch())
        source = self._source
        if source is None:
            return FreshSet.of_objects(await self._fetch())
        if kind == "snapshot":
            return await read_spilled(source)
        return await read_lean(source, self._wanted(kind), self.view)

    def _wanted(self, kind: LoadKind) -> Wanted | None:
        """Which members' objects a lean load prints (the view and notes hold still meanwhile)."""
        if kind == "resync":
            return self.view.differs
        if self._seed_interrupted and self._unshown_after is not None:
            return unshown_test(self._unshown_after, shown_versions(self._notes or []))
        return None  # a silent seed prints nothing

    def _apply(self, kind: LoadKind, fresh: FreshSet) -> None:
        """Emit the differences and the buffered events, then go live (no awaits)."""
        report = ResyncReport(kind, size=len(fresh))
        found = found_among(fresh.versions, self._notes, self._buffer)
        if self._left_at is not None:
            report.away = self._clock() - self._left_at
            self._left_at = None
        marked = self._marked
        printed: dict[str, str] = {}
        if kind == "snapshot":
            # Oldest change first: the snapshot reads as the start of the log
            # that the live events continue.
            spilled = fresh.spilled
            try:
                ordered = (
                    spilled.in_version_order()
                    if spilled is not None
                    else sorted(fresh.objects.values(), key=version)
                )
                for obj in ordered:
                    marked("snapshot", obj, None, kind="snapshot", synthetic=False)
                printed = dict(fresh.versions)
            finally:
                if spilled is not None:
                    spilled.close()
            self.view = self._view_of(fresh)
        elif kind == "seed":
            self.view = self._view_of(fresh)
            notes, self._notes = self._notes or [], None
            if self._unshown_after is not None:
                self._mark_unshown(fresh.versions, notes, self._unshown_after)
            replay(self.view, notes, found, None)
            if self._seed_interrupted:
                # The socket dropped before the seed was in: events may be lost.
                self._seed_interrupted = False
                report.kind = "resync"
                self._leave_to_buffer(self._buffer or [])
                for op, obj, original in self.view.reveal(fresh.objects):
                    report.counts[op] = report.counts.get(op, 0) + 1
                    InFlightRepeats.note(printed, op, obj)
                    marked(op, obj, original, kind="event", synthetic=True)
        else:
            for op, obj, original in self.view.replace_versions(fresh.versions, fresh.objects):
                report.counts[op] = report.counts.get(op, 0) + 1
                InFlightRepeats.note(printed, op, obj)
                marked(op, obj, original, kind="event", synthetic=True)
        self.in_flight.keep(printed)
        self._first = None
        buffered, self._buffer = self._buffer or [], None
        replay(self.view, buffered, found, self._live)
        level = logging.INFO if report.kind == "resync" else logging.DEBUG
        logger.log(level, "%s done: %d objects, %s", report.kind, report.size, report.summary())
        if self._loaded is not None:
            self._loaded(report)

    def _view_of(self, fresh: FreshSet) -> ResultView:
        return ResultView.of_versions(
            fresh.versions, fresh.objects, keep_objects=self._keep_objects
        )

    def _mark_unshown(
        self,
        fresh: dict[str, str],
        notes: Held,
        bound: StartPoint,
    ) -> None:
        """Mark seed members written since ``bound`` that no noted event showed."""
        shown = shown_versions(notes)
        may_be_news = unshown_test(bound, shown)
        view = self.view
        for oid, found in fresh.items():
            if may_be_news(oid, found):
                view.mark_unshown(oid, seen_before=oid in shown)

    def _leave_to_buffer(self, buffered: Held) -> None:
        """Unshown members whose real events are held back: let those events show them.

        The replay then prints the ``create``/``update`` as it happened
        rather than a synthetic ``enter``.
        """
        view = self.view
        covered = set()
        for op, obj, _ in buffered:
            oid = object_id(obj)
            if oid is None or op in REMOVING_OPS or not view.is_unshown(oid):
                continue
            known = view.version_of(oid)
            if known is not None and version(obj) >= known:
                covered.add(oid)
        for oid in covered:
            view.forget(oid)

    def _flush_unfiltered(self) -> None:
        """Deliver whatever is buffered as is (no picture to compare it with)."""
        self._notes = None
        buffered, self._buffer = self._buffer, None
        for op, obj, original in buffered or ():
            self.view.apply(op, obj)
            self._live(op, obj, original)


def _identity(obj: dict[str, Any]) -> dict[str, Any]:
    """The fields a lean view's replay reads: the member and its version."""
    return {"objectId": obj.get("objectId"), "updatedAt": obj.get("updatedAt")}


def _monotonic() -> float:
    return asyncio.get_running_loop().time()
