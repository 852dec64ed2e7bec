"""The ingest actor: owns every alert by fingerprint (Alertmanager's ``provider/mem``)."""

from __future__ import annotations

from typing import Any

import pykka

from actors.base import GossamerActor
from actors.messages import GarbageCollect, IngestBatch, ListAlerts, StoredBatch
from gossamer.alert import Alert, merge, overlaps
from gossamer.clock import Clock


class IngestActor(GossamerActor):
    """Merges incoming batches into the store and forwards them to the dispatcher.

    Runs on its own thread. Alerts leave the store only through GC every
    ``--alerts.gc-interval`` (resolved ones), as in Alertmanager.
    """

    name = "ingest"

    def __init__(
        self, clock: Clock, subscribers: list[pykka.ActorRef], gc_interval_s: float, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        #: The dispatcher and the inhibitor: every stored alert goes to both.
        self.subscribers = subscribers
        self.gc_interval_s = gc_interval_s
        self.alerts: dict[int, Alert] = {}
        self._gc_timer: Any = None

    def on_start(self) -> None:
        self._schedule_gc()

    def on_stop(self) -> None:
        if self._gc_timer is not None:
            self._gc_timer.cancel()

    def _schedule_gc(self) -> None:
        ref = self.actor_ref
        self._gc_timer = self.clock.call_later(
            self.gc_interval_s, lambda: ref.tell(GarbageCollect())
        )

    def on_IngestBatch(self, msg: IngestBatch) -> None:
        now = self.clock.now_ns()
        stored = []
        for alert in msg.alerts:
            old = self.alerts.get(alert.fingerprint)
            if old is not None and overlaps(old, alert):
                alert = merge(old, alert, now)
            self.alerts[alert.fingerprint] = alert
            stored.append(alert)
        self._publish(stored)

    def _publish(self, alerts: list[Alert]) -> None:
        batch = StoredBatch(alerts)
        for subscriber in self.subscribers:
            subscriber.tell(batch)

    def on_ListAlerts(self, msg: ListAlerts) -> None:
        msg.reply(list(self.alerts.values()))

    def on_GarbageCollect(self, msg: GarbageCollect) -> None:
        now = self.clock.now_ns()
        for fp in [fp for fp, a in self.alerts.items() if a.resolved_at(now)]:
            del self.alerts[fp]
        self._schedule_gc()

    def replay(self) -> None:
        """After a reload: send every stored alert to the rebuilt dispatcher and inhibitor."""
        self._publish(list(self.alerts.values()))

    def on_Replay(self, msg: Any) -> None:
        self.replay()

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), "alerts": len(self.alerts)}

    def __repr__(self) -> str:
        return f"<IngestActor alerts={len(self.alerts)}>"
