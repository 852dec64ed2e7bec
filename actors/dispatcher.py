"""The dispatcher actor: routes alerts into aggregation groups and times their flushes.

Runs on its own thread; group timers are clock callbacks that ``tell`` it a
``Tick``. A flush is handed to the gate actor and its outcome comes back as
``FlushDone`` or one ``BranchDone`` per integration. Two flushes of one group
never overlap: a tick that fires during a flush runs when the flush ends
(Alertmanager's timer semantics, pipeline.md §3.4).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import msgspec
import pykka

from actors.aggregation import AggregationGroup
from actors.base import GossamerActor
from actors.messages import (
    BranchDone,
    Flush,
    FlushDone,
    GroupView,
    Housekeeping,
    ListGroups,
    Reconfigure,
    StoredBatch,
    Tick,
)
from gossamer.alert import Alert
from gossamer.clock import Clock
from gossamer.labels import fingerprint
from gossamer.metrics import NodeMetrics
from gossamer.routing import Route
from receivers.base import NotificationContext

HOUSEKEEPING_INTERVAL_S = 30.0
MIN_FLUSH_TIMEOUT_S = 10.0


class DispatchConfig(msgspec.Struct, frozen=True):
    """What the dispatcher needs of a loaded config."""

    tree: Route
    integrations_per_receiver: dict[str, int]
    external_url: str


class Dispatcher(GossamerActor):
    """Owns every aggregation group (Alertmanager's ``Dispatcher``)."""

    name = "dispatcher"

    def __init__(
        self,
        clock: Clock,
        gate: pykka.ActorRef,
        config: DispatchConfig,
        wait_s: Callable[[], float],
        metrics: NodeMetrics,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        self.gate = gate
        self.config = config
        self.wait_s = wait_s
        self.metrics = metrics
        self.groups: dict[tuple[str, int], AggregationGroup] = {}
        self.by_id: dict[int, AggregationGroup] = {}
        self.flushes: dict[int, AggregationGroup] = {}
        self._route_cache: dict[int, list[Route]] = {}
        self._due: dict[int, AggregationGroup] = {}
        self._ids = itertools.count(1)
        self._housekeeping: Any = None

    def on_start(self) -> None:
        ref = self.actor_ref
        self._housekeeping = self.clock.call_later(
            HOUSEKEEPING_INTERVAL_S, lambda: ref.tell(Housekeeping())
        )

    def on_stop(self) -> None:
        self._drop_all_groups()
        if self._housekeeping is not None:
            self._housekeeping.cancel()

    # Ingest ---------------------------------------------------------------
    def on_StoredBatch(self, msg: StoredBatch) -> None:
        now = self.clock.now_ns()
        for alert in msg.alerts:
            for route in self._routes_for(alert):
                self._insert(route, alert, now)
        self.metrics.aggregation_groups.set(len(self.groups))
        self._flush_due()

    def _flush_due(self) -> None:
        """Flush groups whose timer was reset to zero, once the whole batch is in.

        Equivalent to a zero-delay timer firing right after this message, without
        the round trip through the clock thread (it saves a hop on the hot path).
        """
        due, self._due = self._due, {}
        for group in due.values():
            if self.by_id.get(group.id) is not group:
                continue
            if group.flushing:
                group.tick_pending = True
            else:
                self._flush(group)

    def _routes_for(self, alert: Alert) -> list[Route]:
        routes = self._route_cache.get(alert.fingerprint)
        if routes is None:
            routes = self.config.tree.match(alert.labels)
            if len(self._route_cache) > 500_000:
                self._route_cache.clear()
            self._route_cache[alert.fingerprint] = routes
        return routes

    def _insert(self, route: Route, alert: Alert, now: int) -> None:
        labels = route.group_labels(alert.labels)
        key = (route.id, fingerprint(labels))
        group = self.groups.get(key)
        if group is None:
            group = AggregationGroup(next(self._ids), route, labels)
            self.groups[key] = group
            self.by_id[group.id] = group
            self._schedule(group, route.group_wait)
        if group.insert(alert, now):
            self._schedule(group, 0)

    def _schedule(self, group: AggregationGroup, delay_s: float) -> None:
        if group.timer is not None:
            group.timer.cancel()
            group.timer = None
        group.generation += 1
        if delay_s <= 0:
            self._due[group.id] = group
            return
        ref, tick = self.actor_ref, Tick(group.id, group.generation)
        group.timer = self.clock.call_later(delay_s, lambda: ref.tell(tick))

    # Flushing -------------------------------------------------------------
    def on_Tick(self, msg: Tick) -> None:
        group = self.by_id.get(msg.group_id)
        if group is None or group.generation != msg.generation:
            return
        group.timer = None
        if group.flushing:
            group.tick_pending = True
            return
        self._flush(group)

    def _flush(self, group: AggregationGroup) -> None:
        route = group.route
        self._send_flush(group)
        self._schedule(group, route.group_interval)  # after the Flush is on its way

    def _send_flush(self, group: AggregationGroup) -> None:
        now = self.clock.now_ns()
        route = group.route
        group.has_flushed = True
        alerts = group.alerts_to_flush(now)
        if not alerts:
            return
        flush_id = next(self._ids)
        group.flush_id, group.flush_alerts, group.flush_ok = flush_id, alerts, True
        group.branches_left = self.config.integrations_per_receiver.get(route.receiver, 0)
        self.flushes[flush_id] = group
        timeout = max(route.group_interval, MIN_FLUSH_TIMEOUT_S) + self.wait_s()
        ctx = NotificationContext(
            group.key, group.labels, route.receiver, self.config.external_url, now
        )
        self.gate.tell(Flush(
            flush_id, ctx, alerts, route.repeat_interval, route.mute_time_intervals,
            route.active_time_intervals, now + int(timeout * 1e9),
        ))  # fmt: skip

    def on_FlushDone(self, msg: FlushDone) -> None:
        group = self.flushes.get(msg.flush_id)
        if group is not None:
            group.flush_ok = msg.ok
            self._end_flush(group)

    def on_BranchDone(self, msg: BranchDone) -> None:
        group = self.flushes.get(msg.flush_id)
        if group is None:
            return
        group.flush_ok = group.flush_ok and msg.ok
        group.branches_left -= 1
        if group.branches_left <= 0:
            self._end_flush(group)

    def _end_flush(self, group: AggregationGroup) -> None:
        assert group.flush_id is not None
        del self.flushes[group.flush_id]
        if group.flush_ok:
            group.flushed_successfully(self.clock.now_ns())
        else:
            self.log.bind(group=group.key).warning(
                "flush failed; resolved alerts are kept for the next one"
            )
        group.flush_id, group.flush_alerts = None, []
        if group.tick_pending:
            group.tick_pending = False
            self._flush(group)

    # Housekeeping and reconfiguration ---------------------------------------
    def on_Housekeeping(self, msg: Housekeeping) -> None:
        for key, group in list(self.groups.items()):
            if not group.alerts and not group.flushing:
                self._remove(key, group)
        self.metrics.aggregation_groups.set(len(self.groups))
        self.on_start()

    def _remove(self, key: tuple[str, int], group: AggregationGroup) -> None:
        if group.timer is not None:
            group.timer.cancel()
        del self.groups[key]
        del self.by_id[group.id]

    def _drop_all_groups(self) -> None:
        for key, group in list(self.groups.items()):
            self._remove(key, group)
        self.flushes.clear()
        self._due.clear()

    def on_Reconfigure(self, msg: Reconfigure) -> None:
        """A reload discards every group; the ingest actor then replays all alerts."""
        self._drop_all_groups()
        self._route_cache.clear()
        self.config = msg.payload
        self.metrics.aggregation_groups.set(0)

    def on_ListGroups(self, msg: ListGroups) -> None:
        msg.reply([
            GroupView(g.labels, g.route.receiver, g.route.id, list(g.alerts.values()))
            for g in self.groups.values()
        ])  # fmt: skip

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        if isinstance(message, BranchDone | FlushDone):
            group = self.flushes.get(message.flush_id)
            if group is not None:
                group.flush_id = None

    def statistics(self) -> dict[str, Any]:
        return {
            **super().statistics(),
            "groups": len(self.groups),
            "flushes_in_flight": len(self.flushes),
        }

    def __repr__(self) -> str:
        return f"<Dispatcher groups={len(self.groups)} flushes_in_flight={len(self.flushes)}>"
