"""A snapshot's objects, read back from disk, carry the view's own objectId strings.

``lq watch`` keeps a row per member keyed by objectId; with the string parsed
again from the file, 100,000 members held 100,000 objectIds twice (about
6 MB): once as the view's keys, once as the table's.
"""

from __future__ import annotations

from livequery_cli.synced.spill import SpilledObjects


def test_objects_read_back_share_the_versions_keys_and_come_oldest_first() -> None:
    spilled = SpilledObjects()
    try:
        for n in (3, 1, 2):
            oid = "".join(["id", str(n) * 8])  # built at run time: not an interned constant
            spilled.add(oid, {"objectId": oid, "n": n, "updatedAt": f"2026-01-0{n}T00:00:00Z"})
        keys = {key: key for key in spilled.versions}
        read = list(spilled.in_version_order())
    finally:
        spilled.close()
    assert [obj["n"] for obj in read] == [1, 2, 3]
    for obj in read:
        assert obj["objectId"] is keys[obj["objectId"]]
        assert list(obj) == ["objectId", "n", "updatedAt"]  # the field order is kept
