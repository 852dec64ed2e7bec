"""The gate actor: the receiver-level stages of a flush, then the fan-out.

Stage order as Alertmanager 0.25 (pipeline.md §4): gossip settle, inhibition,
active time intervals, mute time intervals, silences; then one ``Branch`` per
integration of the receiver goes to the waiter. A flush whose alerts are all
muted, or whose receiver has no integrations, ends here with ``FlushDone``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import msgspec
import pykka

from actors.base import GossamerActor
from actors.messages import Branch, Flush, FlushDone, Reconfigure
from cluster.nflog import Receiver
from gossamer.alert import Alert
from gossamer.clock import Clock, TimerHandle
from gossamer.settle import Settled
from receivers.base import Notifier


class _SettleTimeout(msgspec.Struct, frozen=True):
    flush_id: int


class MuteStage(Protocol):
    """A receiver-level stage: returns the alerts it lets through (runs on the gate's thread)."""

    name: str

    def apply(self, flush: Flush, alerts: list[Alert]) -> list[Alert]: ...


class GateConfig(msgspec.Struct, frozen=True):
    """The notifiers of every receiver a route uses, the muting stages in order, and
    whether gossip has settled (``GossipSettle``)."""

    notifiers: dict[str, list[Notifier]]
    stages: Sequence[MuteStage]
    settled: Callable[[], bool]


class Gate(GossamerActor):
    """Runs the muting stages and fans a flush out to the integrations."""

    name = "gate"

    def __init__(
        self,
        clock: Clock,
        config: GateConfig,
        waiter: pykka.ActorRef,
        dispatcher: Callable[[], pykka.ActorRef],
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.config = config
        self.waiter = waiter
        self.dispatcher = dispatcher
        self.clock = clock
        #: Flushes held until gossip settles, each with its deadline timer.
        self.held: dict[int, tuple[Flush, TimerHandle]] = {}

    def on_Flush(self, flush: Flush) -> None:
        if not self.config.settled():
            self._hold(flush)
            return
        self._run(flush)

    def _hold(self, flush: Flush) -> None:
        ref = self.actor_ref
        delay = (flush.deadline_ns - self.clock.now_ns()) / 1e9
        timer = self.clock.call_later(delay, lambda: ref.tell(_SettleTimeout(flush.flush_id)))
        self.held[flush.flush_id] = (flush, timer)

    def on_Settled(self, msg: Settled) -> None:
        held, self.held = self.held, {}
        for flush, timer in held.values():
            timer.cancel()
            self._run(flush)

    def on__SettleTimeout(self, msg: _SettleTimeout) -> None:
        if self.held.pop(msg.flush_id, None) is not None:
            self.log.warning("flush dropped: gossip did not settle before its deadline")
            self.dispatcher().tell(FlushDone(msg.flush_id, ok=False))

    def _run(self, flush: Flush) -> None:
        alerts = flush.alerts
        for stage in self.config.stages:
            alerts = stage.apply(flush, alerts)
            if not alerts:
                break
        notifiers = self.config.notifiers.get(flush.ctx.receiver_name, [])
        if not alerts or not notifiers:
            self.dispatcher().tell(FlushDone(flush.flush_id, ok=True))
            return
        for notifier in notifiers:
            receiver = Receiver(flush.ctx.receiver_name, notifier.integration, notifier.index)
            self.waiter.tell(Branch(flush, notifier, receiver, alerts))

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        if isinstance(message, Flush):
            self.dispatcher().tell(FlushDone(message.flush_id, ok=False))

    def on_Reconfigure(self, msg: Reconfigure) -> None:
        self.config = msg.payload
