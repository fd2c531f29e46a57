"""The soak's books: every write the soak made, and which event accounted for it.

Each write (a create, an update or a delete of one object) gets a sequence
number and must produce exactly one LiveQuery event. Creates and updates write
that number into the object's ``seq`` field, so their events name it directly;
a delete's event carries the object as it was last saved, so deletes are
matched by ``objectId`` instead (an object is deleted once).

A write whose event did not arrive live was *missed*. A resync after a cut
does not replay history, it reports the state: a synthetic ``enter``/``update``
showing an object at ``seq >= n`` covers every missed create/update of that
object up to ``n``, and a synthetic ``leave`` covers every missed write of it,
its delete included. An object created and deleted inside one cut window is
in no ``find`` at all: nothing to show is the right answer, so its writes
count as recovered too (reported separately as ``vanished``). Whatever is
left is *unrecovered*: a silent loss.

Writes are indexed by sequence number in flat arrays rather than one object
each: a 10-minute run makes over a million writes, and the books must not
become the biggest process on the machine.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any

CREATE, UPDATE, DELETE = 1, 2, 3
OP_CODES = {"create": CREATE, "update": UPDATE, "delete": DELETE}
PENDING, OK, FAILED = 0, 1, 2
_LIVE_MAX = 255


@dataclass
class Resync:
    """One ``resynced`` status record of the tail, and when the soak read it."""

    at: float
    counts: dict[str, int]


@dataclass
class Ledger:
    """Writes by sequence number, events matched to them, cuts and resyncs."""

    ops: bytearray = field(default_factory=bytearray)
    status: bytearray = field(default_factory=bytearray)
    live: bytearray = field(default_factory=bytearray)
    answered: array[float] = field(default_factory=lambda: array("d"))
    target: array[int] = field(default_factory=lambda: array("q"))
    oids: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    deleted_by: dict[int, int] = field(default_factory=dict)
    synthetic_seq: dict[int, int] = field(default_factory=dict)
    synthetic_left: set[int] = field(default_factory=set)
    synthetic_shown: array[int] = field(default_factory=lambda: array("q"))
    """The ``seq`` of every synthetic ``enter``/``update`` (to find repeats of live ones)."""
    seen: set[int] = field(default_factory=set)
    received_live: int = 0
    received_synthetic: int = 0
    duplicates: int = 0
    unexpected: int = 0
    for_failed_writes: int = 0
    cuts: list[float] = field(default_factory=list)
    resyncs: list[Resync] = field(default_factory=list)
    disconnects: int = 0

    # --- writes ----------------------------------------------------------------------

    def object_index(self, oid: str) -> int:
        found = self.index.get(oid)
        if found is None:
            found = self.index[oid] = len(self.oids)
            self.oids.append(oid)
        return found

    def planned(self, op: int, oid: str | None) -> int:
        """Record a write about to be sent; returns its sequence number."""
        seq = len(self.ops)
        self.ops.append(op)
        self.status.append(PENDING)
        self.live.append(0)
        self.answered.append(0.0)
        obj = -1 if oid is None else self.object_index(oid)
        self.target.append(obj)
        if op == DELETE and obj >= 0:
            self.deleted_by[obj] = seq
        return seq

    def answered_ok(self, seq: int, at: float, oid: str | None = None) -> None:
        self.status[seq] = OK
        self.answered[seq] = at
        if oid is not None and self.target[seq] < 0:
            self.target[seq] = self.object_index(oid)

    def answered_failed(self, seq: int, at: float) -> None:
        self.status[seq] = FAILED
        self.answered[seq] = at

    @property
    def sent(self) -> int:
        """Writes the server confirmed."""
        return self.status.count(OK)

    # --- events ----------------------------------------------------------------------

    def event(self, record: dict[str, Any]) -> None:
        """One ``kind: event`` line of ``lq tail --json``."""
        obj = record.get("object")
        if not isinstance(obj, dict):
            self.unexpected += 1
            return
        oid = obj.get("objectId")
        known = self.index.get(oid) if isinstance(oid, str) else None
        op = record.get("op")
        if record.get("synthetic"):
            self._synthetic(op, obj, oid)
            return
        if op == "delete":
            seq = self.deleted_by.get(known, -1) if known is not None else -1
        else:
            value = obj.get("seq")
            seq = value if isinstance(value, int) and 0 <= value < len(self.ops) else -1
            if seq >= 0 and self.ops[seq] != OP_CODES.get(str(op)):
                seq = -1
        if seq < 0:
            self.unexpected += 1
            return
        if isinstance(oid, str):
            target = self.object_index(oid)
            self.seen.add(target)
            if self.target[seq] < 0:
                self.target[seq] = target
        self.received_live += 1
        if self.status[seq] == FAILED:
            self.for_failed_writes += 1
        count = self.live[seq]
        if count:
            self.duplicates += 1
        self.live[seq] = min(count + 1, _LIVE_MAX)

    def _synthetic(self, op: object, obj: dict[str, Any], oid: object) -> None:
        self.received_synthetic += 1
        if not isinstance(oid, str):
            self.unexpected += 1
            return
        target = self.object_index(oid)
        self.seen.add(target)
        if op == "leave":
            self.synthetic_left.add(target)
            return
        value = obj.get("seq")
        if op in ("enter", "update") and isinstance(value, int):
            self.synthetic_seq[target] = max(self.synthetic_seq.get(target, -1), value)
            self.synthetic_shown.append(value)
        else:
            self.unexpected += 1

    # --- the reckoning ---------------------------------------------------------------

    def windows(self, grace: float) -> list[tuple[float, float]]:
        """``(cut - grace, first resync after it + grace)`` per cut (open-ended if none)."""
        spans = []
        for cut in self.cuts:
            after = [r.at for r in self.resyncs if r.at >= cut]
            spans.append((cut - grace, (after[0] if after else float("inf")) + grace))
        return spans

    def _deleted(self, obj: int) -> bool:
        delete = self.deleted_by.get(obj)
        return delete is not None and self.status[delete] == OK

    def _covered(self, seq: int, obj: int) -> bool:
        if obj in self.synthetic_left and self._deleted(obj):
            return True
        return self.ops[seq] != DELETE and self.synthetic_seq.get(obj, -1) >= seq

    def _synthetic_checks(self) -> dict[str, int]:
        """Resync reports that were wrong or redundant (a correct resync makes none).

        A ``leave`` of an object that was never deleted (nothing in this
        workload leaves the query otherwise), and a synthetic event for a
        state the tail had already shown live.
        """
        spurious = sum(1 for obj in self.synthetic_left if not self._deleted(obj))
        repeats = sum(
            1 for seq in self.synthetic_shown if 0 <= seq < len(self.ops) and self.live[seq]
        )
        repeats += sum(
            1
            for obj in self.synthetic_left
            if obj in self.deleted_by and self.live[self.deleted_by[obj]]
        )
        return {"synthetic_leaves_without_delete": spurious, "synthetic_repeats_of_live": repeats}

    def reckon(self, grace: float) -> dict[str, Any]:
        """Sent, received live, missed in and outside cut windows, recovered, unrecovered."""
        windows = self.windows(grace)

        def window_of(at: float) -> int:
            for number, (start, end) in enumerate(windows):
                if start <= at <= end:
                    return number
            return -1

        missed = [
            seq for seq in range(len(self.ops)) if self.status[seq] == OK and not self.live[seq]
        ]
        recovered = vanished = missed_outside = lost_outside = unrecovered = 0
        unrecovered_examples: list[dict[str, Any]] = []
        for seq in missed:
            obj = self.target[seq]
            window = window_of(self.answered[seq])
            if window < 0:
                missed_outside += 1
            if obj >= 0 and self._covered(seq, obj):
                recovered += 1
            elif obj >= 0 and self._vanished(obj, window, windows):
                vanished += 1
            else:
                unrecovered += 1
                lost_outside += window < 0
                if len(unrecovered_examples) < 5:
                    unrecovered_examples.append(self._describe(seq, window))
        by_op = {name: self.ops.count(code) for name, code in OP_CODES.items()}
        return {
            "sent": self.sent,
            "sent_by_op": by_op,
            "write_errors": self.status.count(FAILED),
            "writes_unanswered": self.status.count(PENDING),
            "received_live": self.received_live,
            "received_synthetic": self.received_synthetic,
            "duplicates": self.duplicates,
            "unexpected_events": self.unexpected,
            "events_for_failed_writes": self.for_failed_writes,
            "missed_live": len(missed),
            "missed_in_cut_windows": len(missed) - missed_outside,
            "missed_outside_cut_windows": missed_outside,
            "recovered_by_resync": recovered,
            "vanished_in_cut_windows": vanished,
            "unrecovered": unrecovered,
            "lost_outside_cut_windows": lost_outside,
            "unrecovered_examples": unrecovered_examples,
            **self._synthetic_checks(),
            "cuts": len(self.cuts),
            "cuts_resynced": sum(1 for _, end in windows if end != float("inf")),
            "disconnects": self.disconnects,
            "resyncs": [r.counts for r in self.resyncs],
        }

    def _vanished(self, obj: int, window: int, windows: list[tuple[float, float]]) -> bool:
        """The object lived and died inside this cut window and no event ever showed it."""
        if window < 0 or obj in self.seen or not self._deleted(obj):
            return False
        start, end = windows[window]
        return start <= self.answered[self.deleted_by[obj]] <= end

    def _describe(self, seq: int, window: int) -> dict[str, Any]:
        obj = self.target[seq]
        names = {code: name for name, code in OP_CODES.items()}
        return {
            "seq": seq,
            "op": names.get(self.ops[seq], "?"),
            "objectId": self.oids[obj] if obj >= 0 else None,
            "cut_window": window if window >= 0 else None,
        }

    def unaccounted(self, grace: float) -> int:
        """Writes still in flight plus confirmed writes nothing accounts for (yet)."""
        return self.status.count(PENDING) + int(self.reckon(grace)["unrecovered"])
