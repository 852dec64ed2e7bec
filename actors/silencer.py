"""The silencer actor: owns the silences, runs the silence stage, fans flushes out.

Silences are durable once acknowledged: every change is journalled with an
fsync before the API's reply is sent, and compacted into an atomically written
snapshot every ``--data.maintenance-interval`` and at stop. A flush drops the
alerts an active silence matches (pipeline.md §4.4); what is left goes out as
one ``Branch`` per integration of the receiver (a receiver without
integrations ends the flush here).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import msgspec
import pykka

from actors.base import GossamerActor
from actors.messages import (
    Branch,
    EncodeFull,
    Flush,
    FlushDone,
    Maintenance,
    MergeRemote,
    Reconfigure,
)
from cluster.nflog import Receiver
from cluster.persistence import DurableFile
from cluster.silence_index import SilencesView
from cluster.silences import Silence, Silences, decode_silences
from gossamer.alert import Alert
from gossamer.clock import Clock
from gossamer.errors import GossamerError
from gossamer.metrics import NodeMetrics
from receivers.base import Notifier

Reply = Callable[[Any], None]
#: Most changes answered by one fsync of the journal.
MAX_GROUP = 256


class SetSilence(msgspec.Struct, frozen=True):
    """Create or update; ``reply`` gets the id or the ``GossamerError`` raised."""

    silence: Silence
    reply: Reply


class ExpireSilence(msgspec.Struct, frozen=True):
    """Expire by id; ``reply`` gets None or the ``GossamerError`` raised."""

    silence_id: str
    reply: Reply


class ViewSilences(msgspec.Struct, frozen=True):
    """Ask for an immutable view of every silence; ``reply`` gets a ``SilencesView``."""

    reply: Reply


class SilencedBy(msgspec.Struct, frozen=True):
    """Ask which active silences match each alert; ``reply`` gets {fingerprint: [ids]}."""

    alerts: list[Alert]
    reply: Reply


def load_silences(storage: DurableFile, retention_s: float) -> Silences:
    """Read the silences back from disk (once, at start, before the actors run)."""
    silences = Silences(retention_s)
    for payload in storage.load():
        silences.load(decode_silences(payload))
    return silences


class SilencerActor(GossamerActor):
    name = "silencer"

    def __init__(
        self,
        clock: Clock,
        silences: Silences,
        storage: DurableFile | None,
        notifiers: dict[str, list[Notifier]],
        waiter: pykka.ActorRef,
        dispatcher: Callable[[], pykka.ActorRef],
        maintenance_interval_s: float,
        metrics: NodeMetrics,
        broadcast: Callable[[str, list[bytes]], None] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        self.silences = silences
        self.storage = storage
        self.notifiers = notifiers
        self.waiter = waiter
        self.dispatcher = dispatcher
        self.maintenance_interval_s = maintenance_interval_s
        self.metrics = metrics
        self.broadcast = broadcast
        self._timer: Any = None
        self._unacknowledged: list[tuple[Reply, Any]] = []

    def on_start(self) -> None:
        ref = self.actor_ref
        self._timer = self.clock.call_later(
            self.maintenance_interval_s, lambda: ref.tell(Maintenance())
        )

    # Changes ------------------------------------------------------------------
    def on_receive(self, message: Any) -> Any:
        """Answer waiting writers before any other kind of message is handled."""
        if self._unacknowledged and not isinstance(message, SetSilence | ExpireSilence):
            self._flush_acknowledgements()
        return super().on_receive(message)

    def on_SetSilence(self, msg: SetSilence) -> None:
        try:
            result: Any = self.silences.set(msg.silence, self.clock.now_ns())
        except GossamerError as exc:
            result = exc
        self._acknowledge_after_commit(msg.reply, result)

    def on_ExpireSilence(self, msg: ExpireSilence) -> None:
        try:
            self.silences.expire(msg.silence_id, self.clock.now_ns())
            result: Any = None
        except GossamerError as exc:
            result = exc
        self._acknowledge_after_commit(msg.reply, result)

    def on_MergeRemote(self, msg: MergeRemote) -> None:
        """Silences gossiped by a peer: merge and journal what changed."""
        try:
            changed = self.silences.merge(msg.data, self.clock.now_ns())
        except ValueError as exc:
            self.log.warning("dropped undecodable silences: {}", exc)
            return
        if changed and self.storage is not None:
            self.storage.append(changed)

    def on_EncodeFull(self, msg: EncodeFull) -> None:
        msg.reply(self.silences.encode_full())

    def _acknowledge_after_commit(self, reply: Reply, result: Any) -> None:
        """Group commit: while more messages wait in the inbox, changes pile up; the
        journal is fsync'd once for all of them and only then is anyone answered, so a
        burst of API writes costs one fsync, not one each (bounded by MAX_GROUP)."""
        self._unacknowledged.append((reply, result))
        if len(self._unacknowledged) < MAX_GROUP and not self.actor_inbox.empty():
            return
        self._flush_acknowledgements()

    def _flush_acknowledgements(self) -> None:
        self._commit()
        waiting, self._unacknowledged = self._unacknowledged, []
        for reply, result in waiting:
            reply(result)

    def _commit(self) -> None:
        """Journal (fsync) and broadcast what changed, before anyone is told it is done."""
        deltas = self.silences.take_deltas()
        if not deltas:
            return
        if self.storage is not None:
            self.storage.append(deltas)
        if self.broadcast is not None:
            self.broadcast(self.silences.key, deltas)

    # Reads ------------------------------------------------------------------
    def on_ViewSilences(self, msg: ViewSilences) -> None:
        msg.reply(self.silences.snapshot())

    def on_SilencedBy(self, msg: SilencedBy) -> None:
        now = self.clock.now_ns()
        found = {}
        for alert in msg.alerts:
            active, _pending = self.silences.mutes(alert.labels, now)
            if active:
                found[alert.fingerprint] = active
        msg.reply(found)

    # The silence stage and fan-out ---------------------------------------------
    def on_Flush(self, flush: Flush) -> None:
        alerts = flush.alerts
        if len(self.silences):
            now = self.clock.now_ns()
            alerts = [a for a in alerts if not self.silences.mutes(a.labels, now)[0]]
        notifiers = self.notifiers.get(flush.ctx.receiver_name, [])
        if not alerts or not notifiers:
            self.dispatcher().tell(FlushDone(flush.flush_id, ok=True))
            return
        if alerts is not flush.alerts:
            flush = msgspec.structs.replace(flush, alerts=alerts)
        for notifier in notifiers:
            receiver = Receiver(flush.ctx.receiver_name, notifier.integration, notifier.index)
            self.waiter.tell(Branch(flush, notifier, receiver, alerts))

    def on_Reconfigure(self, msg: Reconfigure) -> None:
        self.notifiers = msg.payload

    # Maintenance ----------------------------------------------------------------
    def on_Maintenance(self, msg: Maintenance) -> None:
        self.maintain()
        self.on_start()

    def maintain(self) -> None:
        started = time.perf_counter()
        self.silences.gc(self.clock.now_ns())
        self.metrics.silences_gc_duration.observe(time.perf_counter() - started)
        if self.storage is not None:
            started = time.perf_counter()
            size = self.storage.compact(self.silences.encode_full())
            self.metrics.silences_snapshot_size.set(size)
            self.metrics.silences_snapshot_duration.observe(time.perf_counter() - started)

    def on_stop(self) -> None:
        self._flush_acknowledgements()
        if self._timer is not None:
            self._timer.cancel()
        if self.storage is not None:
            self.maintain()
            self.storage.close()

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        if isinstance(message, Flush):
            self.dispatcher().tell(FlushDone(message.flush_id, ok=False))
        elif isinstance(message, SetSilence | ExpireSilence | SilencedBy | ViewSilences):
            message.reply(exc if not isinstance(message, SilencedBy) else {})

    def view(self) -> SilencesView:
        return self.silences.snapshot()

    def statistics(self) -> dict[str, Any]:
        return {
            **super().statistics(),
            "silences": len(self.silences),
            "version": self.silences.version,
        }
