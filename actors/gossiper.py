"""The gossiper actor: owns the notification log, on disk and (later) on the wire.

It records an entry after each successful send, journals it with an fsync
before the flush is reported done (so a restart, even after SIGKILL, does not
notify again; records queued together share one fsync and one broadcast), publishes a read-only snapshot for the deduper, and every
``--data.maintenance-interval`` (and at stop) garbage-collects and compacts
the journal into an atomically written snapshot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import pykka

from actors.base import GossamerActor, Published
from actors.messages import BranchDone, EncodeFull, Maintenance, MergeRemote, Record
from cluster.nflog import Entry, NotificationLog, decode_entries, encode_entries
from cluster.persistence import DurableFile
from gossamer.metrics import NodeMetrics

MAX_GROUP = 256  # records committed together at most


class Gossiper(GossamerActor):
    name = "gossiper"

    def __init__(
        self,
        clock: Any,
        nflog: NotificationLog,
        storage: DurableFile | None,
        published: Published[Mapping[str, Entry]],
        dispatcher: Callable[[], pykka.ActorRef],
        maintenance_interval_s: float,
        metrics: NodeMetrics,
        broadcast: Callable[[str, list[bytes]], None] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        self.nflog = nflog
        self.storage = storage
        self.published = published
        self.dispatcher = dispatcher
        self.maintenance_interval_s = maintenance_interval_s
        self.metrics = metrics
        self.broadcast = broadcast
        self._timer: Any = None
        self._uncommitted: list[Entry] = []
        self._unreported: list[BranchDone] = []

    def on_start(self) -> None:
        self.published.publish(self.nflog.snapshot())
        self._schedule_maintenance()

    def _schedule_maintenance(self) -> None:
        ref = self.actor_ref
        self._timer = self.clock.call_later(
            self.maintenance_interval_s, lambda: ref.tell(Maintenance())
        )

    def on_receive(self, message: Any) -> Any:
        """Commit waiting records before any other kind of message is handled."""
        if self._unreported and not isinstance(message, Record):
            self._commit_records()
        return super().on_receive(message)

    def on_Record(self, msg: Record) -> None:
        """Group commit: while more messages wait in the inbox, entries pile up; they are
        journaled (one fsync) and broadcast together, and only then are their flushes
        reported done. A 1,000-group storm costs a few fsyncs, not 3,000."""
        branch = msg.branch
        now = self.clock.now_ns()
        entry = self.nflog.log(
            branch.receiver, branch.flush.ctx.group_key, branch.firing_hashes,
            branch.resolved_hashes, 2 * branch.flush.repeat_interval, now,
        )  # fmt: skip
        if entry is not None:
            self._uncommitted.append(entry)
        self._unreported.append(BranchDone(branch.flush.flush_id, True))
        if len(self._unreported) < MAX_GROUP and not self.actor_inbox.empty():
            return
        self._commit_records()

    def _commit_records(self) -> None:
        entries, self._uncommitted = self._uncommitted, []
        done, self._unreported = self._unreported, []
        try:
            if entries:
                self._persist_and_publish(entries)
        except Exception as exc:  # noqa: BLE001 - every waiting flush must hear of it
            self.log.opt(exception=exc).error("journaling {} nflog entries failed", len(entries))
            done = [BranchDone(d.flush_id, False, f"nflog journal: {exc}") for d in done]
        dispatcher = self.dispatcher()
        try:
            for message in done:
                dispatcher.tell(message)
        except pykka.ActorDeadError:
            self.log.debug("dispatcher stopped; {} flushes not reported", len(done))

    def _persist_and_publish(self, entries: list[Entry]) -> None:
        if self.storage is not None:
            self.storage.append([encode_entries(entries)])
        self.published.publish(self.nflog.snapshot())
        deltas = self.nflog.take_deltas()
        if self.broadcast is not None and deltas:
            self.broadcast(self.nflog.key, deltas)

    def on_MergeRemote(self, msg: MergeRemote) -> None:
        """Entries gossiped by a peer: merge, journal what changed, publish for the deduper."""
        try:
            changed = self.nflog.merge(msg.data, self.clock.now_ns())
        except ValueError as exc:
            self.log.warning("dropped undecodable notification log records: {}", exc)
            return
        if changed:
            if self.storage is not None:
                self.storage.append(changed)
            self.published.publish(self.nflog.snapshot())

    def on_EncodeFull(self, msg: EncodeFull) -> None:
        msg.reply(self.nflog.encode_full())

    def on_Maintenance(self, msg: Maintenance) -> None:
        self.maintain()
        self._schedule_maintenance()

    def maintain(self) -> None:
        """GC expired entries, then compact the journal into a snapshot."""
        started = time.perf_counter()
        if self.nflog.gc(self.clock.now_ns()):
            self.published.publish(self.nflog.snapshot())
        self.metrics.nflog_gc_duration.observe(time.perf_counter() - started)
        if self.storage is not None:
            started = time.perf_counter()
            size = self.storage.compact(self.nflog.encode_full())
            self.metrics.nflog_snapshot_size.set(size)
            self.metrics.nflog_snapshot_duration.observe(time.perf_counter() - started)

    def on_stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        if self._unreported:
            self._commit_records()
        if self.storage is not None:
            self.maintain()
            self.storage.close()

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        if isinstance(message, Record):
            self.dispatcher().tell(BranchDone(message.branch.flush.flush_id, False, str(exc)))

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), "entries": len(self.nflog)}


def load_nflog(storage: DurableFile, retention_s: float) -> NotificationLog:
    """Read the notification log back from disk (runs once at start, before the actors)."""
    nflog = NotificationLog(retention_s)
    for payload in storage.load():
        nflog.load(decode_entries(payload))
    return nflog
