"""An in-process node for pipeline tests: real actors, a manual clock, a recording notifier."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

from actors.dispatcher import DispatchConfig
from actors.gossiper import load_nflog
from actors.inhibitor import InhibitorConfig
from actors.messages import IngestBatch, Ping
from actors.silencer import load_silences
from actors.supervisor import NodeActors
from cluster.persistence import DurableFile
from gossamer.alert import Alert
from gossamer.clock import ManualClock
from gossamer.config import parse_config
from gossamer.errors import NotifyError
from gossamer.labels import fingerprint
from gossamer.metrics import NodeMetrics
from gossamer.routing import build_tree
from receivers.base import NotificationContext

S = 1_000_000_000


class RecordingNotifier:
    """A notifier that records what it is asked to send and can be scripted to fail or stall."""

    integration = "webhook"

    def __init__(self, index: int = 0, send_resolved: bool = True) -> None:
        self.index = index
        self.send_resolved = send_resolved
        self.sent: list[tuple[NotificationContext, list[Alert]]] = []
        self.failures: list[NotifyError] = []
        self.stall: asyncio.Event | None = None
        self.cond = threading.Condition()

    async def notify(self, ctx: NotificationContext, alerts: list[Alert]) -> None:
        if self.stall is not None:
            await self.stall.wait()
        if self.failures:
            raise self.failures.pop(0)
        with self.cond:
            self.sent.append((ctx, alerts))
            self.cond.notify_all()

    async def close(self) -> None:
        return None

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.sent) >= count, timeout), (
                f"expected {count} notifications, got {len(self.sent)}"
            )


class Rig:
    """Actors of one node on a manual clock, with one receiver ``hook``."""

    def __init__(self, config_yaml: str, storage: Path, send_resolved: bool = True) -> None:
        self.clock = ManualClock()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.metrics = NodeMetrics()
        self.config = parse_config(config_yaml)
        self.notifier = RecordingNotifier(send_resolved=send_resolved)
        tree = build_tree(self.config.route)
        notifiers: dict[str, list[Any]] = {r.name: [] for r in self.config.receivers}
        notifiers["hook"] = [self.notifier]
        counts = {name: len(n) for name, n in notifiers.items()}
        nflog = load_nflog(DurableFile(storage, "nflog"), 120 * 3600)
        self.actors = NodeActors(
            self.clock, self.loop, self.metrics,
            DispatchConfig(tree, counts, "http://gossamer.test"),
            InhibitorConfig(self.config.inhibit_rules, self.config.time_intervals),
            notifiers, lambda: True, nflog, DurableFile(storage, "nflog"),
            load_silences(DurableFile(storage, "silences"), 120 * 3600), DurableFile(storage, "silences"),
            lambda: 0.0, 1800.0, 900.0,
        )  # fmt: skip

    def post(self, *alerts: Alert) -> None:
        self.actors.ingest.tell(IngestBatch(list(alerts)))
        self.barrier()
        self.clock.advance(0)  # fire timers reset to zero (an "old" alert flushes at once)
        self.barrier()

    def barrier(self) -> None:
        """Wait until every message already told has gone through the whole chain."""
        for _ in range(3):
            for ref in self.actors.all():
                ref.ask(Ping())
            asyncio.run_coroutine_threadsafe(asyncio.sleep(0), self.loop).result(5)

    def advance(self, seconds: float) -> None:
        """Move the clock timer by timer, letting the actors catch up after each."""
        target = self.clock.now_ns() + int(seconds * S)
        while True:
            deadline = self.clock.next_deadline()
            if deadline is None or deadline > target:
                self.clock.advance((target - self.clock.now_ns()) / S)
                self.barrier()
                return
            self.clock.advance(max(0, deadline - self.clock.now_ns()) / S)
            self.barrier()

    def alert(
        self,
        labels: dict[str, str],
        start_s: float = 0,
        end_s: float | None = None,
        timeout: bool = False,
    ) -> Alert:
        now = self.clock.now_ns()
        starts = now + int(start_s * S)
        ends = now + int((end_s if end_s is not None else 300) * S)
        return Alert(labels, {}, starts, ends, "", now, timeout, fingerprint(labels))

    def close(self) -> None:
        self.actors.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
