"""The notification log's write, merge and GC rules, its durability, and the dedup decision."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from actors.deduper import needs_update
from cluster.nflog import Entry, NotificationLog, Receiver, decode_entries, encode_entries
from cluster.persistence import DurableFile
from gossamer.errors import StorageError

S = 1_000_000_000
HOOK = Receiver("team", "webhook", 0)


def entry(
    ts: int,
    firing: tuple[int, ...] = (1,),
    resolved: tuple[int, ...] = (),
    expires: int = 10**9 * S,
) -> Entry:
    return Entry("{}:{}", HOOK, ts, firing, resolved, expires)


def test_log_expires_after_twice_the_repeat_interval_capped_by_retention() -> None:
    """An entry lives min(retention, 2 × repeat_interval) after it was written."""
    log = NotificationLog(retention_s=3600)
    e = log.log(HOOK, "g", [1], [], expiry_s=600, now_ns=100 * S)
    assert e is not None and e.expires_at == 700 * S
    e = log.log(HOOK, "h", [1], [], expiry_s=7200, now_ns=100 * S)
    assert e is not None and e.expires_at == 3700 * S


def test_log_never_overwrites_a_newer_entry() -> None:
    """A write older than the stored entry is ignored (clock skew, races)."""
    log = NotificationLog(retention_s=3600)
    log.log(HOOK, "g", [1], [], 600, now_ns=200 * S)
    assert log.log(HOOK, "g", [2], [], 600, now_ns=100 * S) is None
    stored = log.query("g", HOOK)
    assert stored is not None and stored.firing_alerts == (1,)


def test_merge_accepts_newer_unexpired_entries_only() -> None:
    """Gossip merge: an entry must be unexpired and strictly newer than ours."""
    log = NotificationLog(retention_s=3600)
    assert log.merge_entries([entry(10 * S)], now_ns=5 * S) == [entry(10 * S)]
    assert log.merge_entries([entry(10 * S)], now_ns=5 * S) == []
    assert log.merge_entries([entry(20 * S, expires=4 * S)], now_ns=5 * S) == []
    assert log.merge_entries([entry(20 * S)], now_ns=5 * S) == [entry(20 * S)]


def test_gc_drops_expired_entries() -> None:
    """Maintenance removes entries whose expiry has passed."""
    log = NotificationLog(retention_s=3600)
    log.log(HOOK, "g", [1], [], 10, now_ns=0)
    log.log(HOOK, "h", [1], [], 100, now_ns=0)
    assert log.gc(now_ns=20 * S) == 1
    assert len(log) == 1


def test_wire_records_round_trip_and_reject_garbage() -> None:
    """Encoded entries decode to equal entries; garbage is a ValueError."""
    records = [entry(1), entry(2, firing=(), resolved=(3,))]
    assert decode_entries(encode_entries(records)) == records
    with pytest.raises(ValueError):
        decode_entries(b"\x00garbage")


def test_journal_survives_without_a_snapshot(tmp_path: Path) -> None:
    """Records appended (fsync'd) are read back on start even if no snapshot was written."""
    store = DurableFile(tmp_path, "nflog")
    store.load()
    store.append([encode_entries([entry(1)])])
    store.append([encode_entries([entry(2)])])
    payloads = DurableFile(tmp_path, "nflog").load()
    assert [decode_entries(p)[0].timestamp for p in payloads] == [1, 2]


def test_compaction_replaces_journal_with_snapshot(tmp_path: Path) -> None:
    """After compaction the snapshot holds the state and the journal starts empty."""
    store = DurableFile(tmp_path, "nflog")
    store.load()
    store.append([encode_entries([entry(1)])])
    store.compact(encode_entries([entry(5)]))
    store.append([encode_entries([entry(6)])])
    store.close()
    payloads = DurableFile(tmp_path, "nflog").load()
    assert [e.timestamp for p in payloads for e in decode_entries(p)] == [5, 6]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_torn_journal_tail_is_dropped(tmp_path: Path) -> None:
    """A record cut short by a crash is discarded; the ones before it are kept."""
    store = DurableFile(tmp_path, "nflog")
    store.load()
    store.append([encode_entries([entry(1)]), encode_entries([entry(2)])])
    store.close()
    size = store.journal_path.stat().st_size
    os.truncate(store.journal_path, size - 3)
    payloads = DurableFile(tmp_path, "nflog").load()
    assert [decode_entries(p)[0].timestamp for p in payloads] == [1]


def test_corrupt_snapshot_refuses_to_start(tmp_path: Path) -> None:
    """A damaged snapshot is an error naming the file, never silently ignored."""
    store = DurableFile(tmp_path, "nflog")
    store.load()
    store.compact(encode_entries([entry(1)]))
    store.close()
    data = bytearray(store.snapshot_path.read_bytes())
    data[-1] ^= 0xFF
    store.snapshot_path.write_bytes(bytes(data))
    with pytest.raises(StorageError, match="checksum"):
        DurableFile(tmp_path, "nflog").load()


def test_alertmanager_snapshot_in_storage_path_is_refused_and_kept(tmp_path: Path) -> None:
    """Alertmanager's own `nflog` file makes gossamer refuse to start, and stays untouched."""
    (tmp_path / "nflog").write_bytes(b"\x0aprotobuf")
    with pytest.raises(StorageError, match="Alertmanager snapshot"):
        DurableFile(tmp_path, "nflog").load()
    assert (tmp_path / "nflog").read_bytes() == b"\x0aprotobuf"


@pytest.mark.parametrize(
    ("stored", "firing", "resolved", "send_resolved", "expected"),
    [
        (None, {1}, set(), True, True),
        (None, set(), {1}, True, False),
        (entry(100 * S, firing=(1,)), {1, 2}, set(), False, True),
        (entry(100 * S, firing=(1, 2)), set(), {1, 2}, False, True),
        (entry(100 * S, firing=()), set(), {1}, True, False),
        (entry(100 * S, firing=(1, 2)), {1}, {2}, True, True),
        (entry(100 * S, firing=(1, 2)), {1}, {2}, False, False),
        (entry(100 * S, firing=(1,), resolved=(2,)), {1}, {2}, True, False),
    ],
)
def test_needs_update_follows_alertmanagers_order_of_checks(
    stored: Entry | None, firing: set[int], resolved: set[int], send_resolved: bool, expected: bool
) -> None:
    """DedupStage.needsUpdate: new firing, all resolved, newly resolved, then repeat."""
    assert needs_update(stored, firing, resolved, send_resolved, 3600 * S, 200 * S) is expected


def test_needs_update_repeats_only_after_strictly_more_than_repeat_interval() -> None:
    """Exactly repeat_interval old is not yet due."""
    stored = entry(100 * S, firing=(1,))
    assert not needs_update(stored, {1}, set(), False, 50 * S, 150 * S)
    assert needs_update(stored, {1}, set(), False, 50 * S, 150 * S + 1)
