"""The soak's accounting: every write is matched to its event, or to the resync that covers it.

These feed the ledger the lines ``lq tail --json`` prints (events, synthetic
events) with chosen answer times, cuts and resyncs, and check each category
of the reckoning. The write mix is checked for the property the soak needs:
the live set stops growing at its size while every kind of write keeps going.
"""

from __future__ import annotations

from typing import Any

from bench.soak_ledger import CREATE, DELETE, UPDATE, Ledger, Resync
from bench.soak_writer import WriteMix

GRACE = 1.0


def event(op: str, oid: str, seq: int | None = None, *, synthetic: bool = False) -> dict[str, Any]:
    obj: dict[str, Any] = {"objectId": oid}
    if seq is not None:
        obj["seq"] = seq
    record: dict[str, Any] = {"kind": "event", "op": op, "object": obj}
    if synthetic:
        record["synthetic"] = True
    return record


def write(ledger: Ledger, op: int, oid: str, at: float) -> int:
    """A confirmed write of ``oid`` answered at ``at``."""
    seq = ledger.planned(op, None if op == CREATE else oid)
    ledger.answered_ok(seq, at, oid)
    return seq


def cut_window(ledger: Ledger, cut: float, resynced: float) -> None:
    ledger.cuts.append(cut)
    ledger.resyncs.append(Resync(resynced, {"enter": 0, "update": 0, "leave": 0}))


def test_live_events_account_for_creates_updates_and_deletes() -> None:
    ledger = Ledger()
    create = write(ledger, CREATE, "a", 1.0)
    update = write(ledger, UPDATE, "a", 2.0)
    write(ledger, DELETE, "a", 3.0)
    ledger.event(event("create", "a", create))
    ledger.event(event("update", "a", update))
    ledger.event(event("delete", "a", update))  # a delete carries the last saved fields
    books = ledger.reckon(GRACE)
    assert books["sent"] == 3
    assert books["sent_by_op"] == {"create": 1, "update": 1, "delete": 1}
    assert books["received_live"] == 3
    assert books["missed_live"] == 0
    assert books["unrecovered"] == 0
    assert ledger.unaccounted(GRACE) == 0


def test_a_resync_recovers_missed_updates_and_deletes_in_its_window() -> None:
    ledger = Ledger()
    a, b = write(ledger, CREATE, "a", 1.0), write(ledger, CREATE, "b", 1.0)
    ledger.event(event("create", "a", a))
    ledger.event(event("create", "b", b))
    cut_window(ledger, 5.0, 7.0)
    first = write(ledger, UPDATE, "a", 5.5)
    second = write(ledger, UPDATE, "a", 6.0)
    write(ledger, DELETE, "b", 6.0)
    created = write(ledger, CREATE, "c", 6.5)
    ledger.event(event("update", "a", second, synthetic=True))  # one update shows both
    ledger.event(event("leave", "b", synthetic=True))
    ledger.event(event("enter", "c", created, synthetic=True))
    books = ledger.reckon(GRACE)
    assert (first, second) == (2, 3)
    assert books["missed_in_cut_windows"] == 4
    assert books["recovered_by_resync"] == 4
    assert books["unrecovered"] == 0
    assert books["cuts_resynced"] == 1
    assert books["synthetic_leaves_without_delete"] == 0
    assert books["synthetic_repeats_of_live"] == 0


def test_a_resync_showing_an_older_state_does_not_cover_a_newer_write() -> None:
    ledger = Ledger()
    a = write(ledger, CREATE, "a", 1.0)
    ledger.event(event("create", "a", a))
    cut_window(ledger, 5.0, 7.0)
    older = write(ledger, UPDATE, "a", 5.5)
    write(ledger, UPDATE, "a", 6.0)
    ledger.event(event("update", "a", older, synthetic=True))
    books = ledger.reckon(GRACE)
    assert books["recovered_by_resync"] == 1
    assert books["unrecovered"] == 1
    assert books["unrecovered_examples"][0]["op"] == "update"
    assert books["lost_outside_cut_windows"] == 0


def test_a_write_missed_outside_every_window_is_lost() -> None:
    ledger = Ledger()
    cut_window(ledger, 5.0, 7.0)
    write(ledger, CREATE, "a", 20.0)
    books = ledger.reckon(GRACE)
    assert books["missed_outside_cut_windows"] == 1
    assert books["lost_outside_cut_windows"] == 1
    assert ledger.unaccounted(GRACE) == 1


def test_a_cut_never_resynced_leaves_its_window_open() -> None:
    ledger = Ledger()
    ledger.cuts.append(5.0)
    write(ledger, CREATE, "a", 30.0)
    books = ledger.reckon(GRACE)
    assert books["cuts_resynced"] == 0
    assert books["missed_in_cut_windows"] == 1
    assert books["unrecovered"] == 1


def test_an_object_created_and_deleted_while_away_has_nothing_to_show() -> None:
    ledger = Ledger()
    cut_window(ledger, 5.0, 8.0)
    write(ledger, CREATE, "a", 5.5)
    write(ledger, UPDATE, "a", 6.0)
    write(ledger, DELETE, "a", 6.5)
    books = ledger.reckon(GRACE)
    assert books["vanished_in_cut_windows"] == 3
    assert books["unrecovered"] == 0


def test_wrong_and_redundant_resync_reports_are_counted() -> None:
    ledger = Ledger()
    a, b = write(ledger, CREATE, "a", 1.0), write(ledger, CREATE, "b", 1.0)
    ledger.event(event("create", "a", a))
    ledger.event(event("create", "b", b))
    cut_window(ledger, 5.0, 7.0)
    ledger.event(event("leave", "a", synthetic=True))  # "a" was never deleted
    ledger.event(event("update", "b", b, synthetic=True))  # "b" at a state shown live
    books = ledger.reckon(GRACE)
    assert books["synthetic_leaves_without_delete"] == 1
    assert books["synthetic_repeats_of_live"] == 1


def test_duplicates_unexpected_events_and_failed_writes_are_counted() -> None:
    ledger = Ledger()
    a = write(ledger, CREATE, "a", 1.0)
    failed = ledger.planned(UPDATE, "a")
    ledger.answered_failed(failed, 2.0)
    ledger.event(event("create", "a", a))
    ledger.event(event("create", "a", a))
    ledger.event(event("update", "a", failed))  # the write timed out but was saved
    ledger.event(event("update", "a", 99))
    ledger.event(event("update", "a", a))  # a create's seq on an update event
    books = ledger.reckon(GRACE)
    assert books["duplicates"] == 1
    assert books["events_for_failed_writes"] == 1
    assert books["unexpected_events"] == 2
    assert books["write_errors"] == 1
    assert books["sent"] == 1


def test_the_write_mix_holds_the_live_set_at_its_size() -> None:
    ledger = Ledger()
    mix = WriteMix(ledger, "tag", live_set=50)
    for number in range(2000):
        planned = mix.next()
        oid = planned.oid or f"o{number}"
        ledger.answered_ok(planned.seq, float(number), oid)
        mix.settled(planned, True, oid)
        assert mix.live <= 51  # a create may come first in the cycle once the set is full
    books = ledger.reckon(GRACE)
    by_op = books["sent_by_op"]
    assert abs(mix.live - 50) <= 1
    assert by_op["create"] - by_op["delete"] == mix.live
    assert by_op["update"] > by_op["delete"] > 400
