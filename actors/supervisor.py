"""Starts a node's actors in dependency order, wires them, and stops them in reverse.

Runs on whichever thread builds the node. An actor that dies despite the
per-message containment in ``GossamerActor`` marks the node unhealthy.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pykka
from loguru import logger

from actors.base import Published
from actors.deduper import Deduper
from actors.dispatcher import DispatchConfig, Dispatcher
from actors.gate import Gate
from actors.gossiper import Gossiper
from actors.ingest import IngestActor
from actors.inhibitor import InhibitorActor, InhibitorConfig
from actors.sender import Sender
from actors.silencer import SilencerActor
from actors.waiter import Waiter
from cluster.nflog import Entry, NotificationLog
from cluster.persistence import DurableFile
from cluster.silences import Silences
from gossamer.clock import Clock
from gossamer.metrics import NodeMetrics
from receivers.base import Notifier


class NodeActors:
    """The running actors of one node, and what they publish."""

    def __init__(
        self,
        clock: Clock,
        loop: asyncio.AbstractEventLoop,
        metrics: NodeMetrics,
        dispatch: DispatchConfig,
        inhibit: InhibitorConfig,
        notifiers: dict[str, list[Notifier]],
        settled: Callable[[], bool],
        nflog: NotificationLog,
        storage: DurableFile | None,
        silences: Silences,
        silence_storage: DurableFile | None,
        wait_s: Callable[[], float],
        gc_interval_s: float,
        maintenance_interval_s: float,
        broadcast: Callable[[str, list[bytes]], None] | None = None,
    ) -> None:
        self.crashed: list[str] = []
        self.nflog_view: Published[Mapping[str, Entry]] = Published({})
        kw: dict[str, Any] = {"on_crash": self._crashed, "count_failure": self._count(metrics)}
        holder: list[pykka.ActorRef] = []

        def dispatcher() -> pykka.ActorRef:
            return holder[0]

        self.gossiper = Gossiper.start(
            clock, nflog, storage, self.nflog_view, dispatcher, maintenance_interval_s, metrics,
            broadcast, **kw,
        )  # fmt: skip
        self.sender = Sender.start(clock, loop, self.gossiper, dispatcher, metrics, **kw)
        self.deduper = Deduper.start(
            clock, self.sender, dispatcher, self.nflog_view.get, metrics, **kw
        )
        self.waiter = Waiter.start(clock, self.deduper, dispatcher, wait_s, **kw)
        self.silencer = SilencerActor.start(
            clock, silences, silence_storage, notifiers, self.waiter, dispatcher,
            maintenance_interval_s, metrics, broadcast, **kw,
        )  # fmt: skip
        self.inhibitor = InhibitorActor.start(clock, inhibit, self.silencer, dispatcher, **kw)
        self.gate = Gate.start(clock, settled, self.inhibitor, dispatcher, **kw)
        self.dispatcher = Dispatcher.start(clock, self.gate, dispatch, wait_s, metrics, **kw)
        holder.append(self.dispatcher)
        self.ingest = IngestActor.start(
            clock, [self.dispatcher, self.inhibitor], gc_interval_s, **kw
        )

    def _crashed(self, name: str, exc: BaseException) -> None:
        logger.bind(component=name).opt(exception=exc).critical(
            "actor stopped; the node is unhealthy"
        )
        self.crashed.append(name)

    @staticmethod
    def _count(metrics: NodeMetrics) -> Callable[[str], None]:
        return lambda name: metrics.actor_failures.labels(name).inc()

    def all(self) -> list[pykka.ActorRef]:
        """Upstream first: the order to stop them in."""
        return [
            self.ingest, self.dispatcher, self.gate, self.inhibitor, self.silencer,
            self.waiter, self.deduper, self.sender, self.gossiper,
        ]  # fmt: skip

    def alive(self) -> bool:
        return not self.crashed and all(ref.is_alive() for ref in self.all())

    def stop(self, timeout_s: float = 10.0) -> None:
        for ref in self.all():
            try:
                ref.stop(timeout=timeout_s)
            except pykka.ActorDeadError:
                pass
