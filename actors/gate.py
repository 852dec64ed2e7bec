"""The gate actor: ``GossipSettle``, the first receiver-level stage of every flush.

Until the cluster has settled (cluster.md §4) flushes are held, each until it
is released or its deadline passes (then the flush fails, as in Alertmanager).
Settled flushes go on to the inhibitor actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pykka

from actors.base import GossamerActor
from actors.messages import Flush, FlushDone
from gossamer.clock import Clock, TimerHandle
from gossamer.settle import Settled


class _SettleTimeout(msgspec.Struct, frozen=True):
    flush_id: int


class Gate(GossamerActor):
    """Holds flushes while gossip settles; runs on its own thread."""

    name = "gate"

    def __init__(
        self,
        clock: Clock,
        settled: Callable[[], bool],
        inhibitor: pykka.ActorRef,
        dispatcher: Callable[[], pykka.ActorRef],
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        self.settled = settled
        self.inhibitor = inhibitor
        self.dispatcher = dispatcher
        #: Flushes held until gossip settles, each with its deadline timer.
        self.held: dict[int, tuple[Flush, TimerHandle]] = {}

    def on_Flush(self, flush: Flush) -> None:
        if self.settled():
            self.inhibitor.tell(flush)
            return
        ref = self.actor_ref
        delay = (flush.deadline_ns - self.clock.now_ns()) / 1e9
        timer = self.clock.call_later(delay, lambda: ref.tell(_SettleTimeout(flush.flush_id)))
        self.held[flush.flush_id] = (flush, timer)

    def on_Settled(self, msg: Settled) -> None:
        held, self.held = self.held, {}
        for flush, timer in held.values():
            timer.cancel()
            self.inhibitor.tell(flush)

    def on__SettleTimeout(self, msg: _SettleTimeout) -> None:
        if self.held.pop(msg.flush_id, None) is not None:
            self.log.warning("flush failed: gossip did not settle before its deadline")
            self.dispatcher().tell(FlushDone(msg.flush_id, ok=False))

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        if isinstance(message, Flush):
            self.dispatcher().tell(FlushDone(message.flush_id, ok=False))

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), "held": len(self.held)}
