"""The gossiper journals notification-log entries in groups: one fsync for a burst."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pykka

from actors.base import Published
from actors.gossiper import Gossiper, load_nflog
from actors.messages import Branch, BranchDone, Flush, Record
from cluster.nflog import NotificationLog, Receiver
from cluster.persistence import DurableFile
from gossamer.clock import ManualClock
from gossamer.metrics import NodeMetrics
from receivers.base import NotificationContext


class GatedFile(DurableFile):
    """A journal whose first append waits for `gate`, and which counts appends."""

    def __init__(self, directory: Path, gate: threading.Event) -> None:
        super().__init__(directory, "nflog")
        self.gate = gate
        self.appends = 0

    def append(self, payloads: list[bytes]) -> None:
        self.gate.wait(5)
        self.appends += 1
        super().append(payloads)


class Collector(pykka.ThreadingActor):
    def __init__(self, expected: int) -> None:
        super().__init__()
        self.done: list[BranchDone] = []
        self.expected = expected
        self.all_in = threading.Event()

    def on_receive(self, message: Any) -> None:
        self.done.append(message)
        if len(self.done) == self.expected:
            self.all_in.set()


def record(index: int) -> Record:
    ctx = NotificationContext(f"{{}}:{{g={index}}}", {"g": str(index)}, "team", "http://am", 0)
    flush = Flush(index, ctx, [], 3600.0, (), (), 10**18)
    receiver = Receiver("team", "webhook", 0)
    return Record(Branch(flush, None, receiver, [], (index,), ()))  # type: ignore[arg-type]


def test_a_burst_of_records_shares_fsyncs_and_every_flush_hears_back(tmp_path: Path) -> None:
    """200 records queued behind a slow fsync: far fewer appends, all 200 reported done
    after their entries are journaled, and all of them back from disk."""
    gate = threading.Event()
    storage = GatedFile(tmp_path, gate)
    collector = Collector.start(200)
    gossiper = Gossiper.start(
        ManualClock(), NotificationLog(3600.0), storage, Published({}),
        lambda: collector, 3600.0, NodeMetrics(),
    )  # fmt: skip
    try:
        for index in range(200):
            gossiper.tell(record(index))
        gate.set()
        inbox = collector.proxy()
        assert inbox.all_in.get().wait(5)
        done = inbox.done.get()
        assert sorted(d.flush_id for d in done) == list(range(200))
        assert all(d.ok for d in done)
        assert storage.appends <= 3  # the first alone, then the queued ones together
    finally:
        gossiper.stop()
        collector.stop()
    assert len(load_nflog(DurableFile(tmp_path, "nflog"), 3600.0)) == 200
