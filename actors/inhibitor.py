"""The inhibitor actor: inhibition, then the active and mute time-interval stages.

It owns the inhibition source caches, fed with every stored alert by the
ingest actor (Alertmanager's inhibitor subscribes to the alert store), and
answers the API's question "who inhibits these alerts?". Stage order as
Alertmanager 0.25: inhibit, active time intervals, mute time intervals; the
flush then goes to the silencer actor (pipeline.md §4).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import pykka

from actors.base import GossamerActor
from actors.messages import Flush, FlushDone, Reconfigure, StoredBatch
from actors.time_stages import ActiveTimeStage, MuteTimeStage
from gossamer.alert import Alert
from gossamer.clock import Clock
from gossamer.config import InhibitRule
from gossamer.inhibit import Inhibitor
from gossamer.timeinterval import TimeInterval

SOURCE_GC_INTERVAL_S = 15 * 60.0


class InhibitorConfig(msgspec.Struct, frozen=True):
    rules: list[InhibitRule]
    time_intervals: Mapping[str, TimeInterval]


class InhibitedBy(msgspec.Struct, frozen=True):
    """Ask which alert inhibits each of ``alerts``; ``reply`` gets {fingerprint: inhibitor}."""

    alerts: list[Alert]
    reply: Callable[[dict[int, int]], None]


class _SourceGC(msgspec.Struct, frozen=True):
    pass


class InhibitorActor(GossamerActor):
    name = "inhibitor"

    def __init__(
        self,
        clock: Clock,
        config: InhibitorConfig,
        silencer: pykka.ActorRef,
        dispatcher: Callable[[], pykka.ActorRef],
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        self.silencer = silencer
        self.dispatcher = dispatcher
        self._configure(config)
        self._timer: Any = None

    def _configure(self, config: InhibitorConfig) -> None:
        self.inhibitor = Inhibitor(config.rules)
        self.time_stages = (
            ActiveTimeStage(config.time_intervals),
            MuteTimeStage(config.time_intervals),
        )

    def on_start(self) -> None:
        ref = self.actor_ref
        self._timer = self.clock.call_later(SOURCE_GC_INTERVAL_S, lambda: ref.tell(_SourceGC()))

    def on_stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def on__SourceGC(self, msg: _SourceGC) -> None:
        self.inhibitor.gc(self.clock.now_ns())
        self.on_start()

    def on_StoredBatch(self, msg: StoredBatch) -> None:
        self.inhibitor.observe(msg.alerts)

    def on_Flush(self, flush: Flush) -> None:
        now = self.clock.now_ns()
        alerts = [a for a in flush.alerts if self.inhibitor.inhibited_by(a.labels, now) is None]
        for stage in self.time_stages:
            if not alerts:
                break
            alerts = stage.apply(flush, alerts)
        if not alerts:
            self.dispatcher().tell(FlushDone(flush.flush_id, ok=True))
            return
        self.silencer.tell(
            msgspec.structs.replace(flush, alerts=alerts) if alerts != flush.alerts else flush
        )

    def on_InhibitedBy(self, msg: InhibitedBy) -> None:
        now = self.clock.now_ns()
        found = {}
        for alert in msg.alerts:
            fp = self.inhibitor.inhibited_by(alert.labels, now)
            if fp is not None:
                found[alert.fingerprint] = fp
        msg.reply(found)

    def on_Reconfigure(self, msg: Reconfigure) -> None:
        """New rules start with empty source caches; the ingest actor's replay refills them."""
        self._configure(msg.payload)

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        if isinstance(message, Flush):
            self.dispatcher().tell(FlushDone(message.flush_id, ok=False))
        elif isinstance(message, InhibitedBy):
            message.reply({})

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), "rules": len(self.inhibitor.rules)}
