"""An aggregation group: the alerts of one route with one set of group labels.

Owned and mutated only by the dispatcher actor.
"""

from __future__ import annotations

import msgspec

from gossamer.alert import Alert, sort_for_notification
from gossamer.clock import TimerHandle
from gossamer.routing import Route
from gossamer.timefmt import ZERO


class AggregationGroup:
    """Alertmanager's ``aggrGroup``: timers, alerts, and the flush in flight."""

    def __init__(self, group_id: int, route: Route, labels: dict[str, str]) -> None:
        self.id = group_id
        self.route = route
        self.labels = labels
        self.key = route.group_key(labels)
        self.alerts: dict[int, Alert] = {}
        self.has_flushed = False
        self.timer: TimerHandle | None = None
        #: Bumped on every reschedule so a stale timer's Tick is ignored.
        self.generation = 0
        #: The flush in flight: its id, branches still out, whether all so far succeeded.
        self.flush_id: int | None = None
        self.flush_alerts: list[Alert] = []
        self.branches_left = 0
        self.flush_ok = True
        #: A tick that fired while a flush was in flight runs when that flush ends.
        self.tick_pending = False

    def insert(self, alert: Alert, now_ns: int) -> bool:
        """Store the alert; True when the group should flush at once (an "old" alert)."""
        self.alerts[alert.fingerprint] = alert
        wait_ns = int(self.route.group_wait * 1e9)
        return not self.has_flushed and alert.starts_at + wait_ns < now_ns

    def alerts_to_flush(self, now_ns: int) -> list[Alert]:
        """A sorted copy of the alerts, future ``endsAt`` hidden (pipeline.md §3.5)."""
        copies = [
            a if a.resolved_at(now_ns) else msgspec.structs.replace(a, ends_at=ZERO)
            for a in self.alerts.values()
        ]
        return sort_for_notification(copies)

    def flushed_successfully(self, now_ns: int) -> None:
        """Drop resolved alerts that were not updated while the flush ran."""
        for sent in self.flush_alerts:
            current = self.alerts.get(sent.fingerprint)
            if (
                current is not None
                and sent.resolved_at(now_ns)
                and current.updated_at == sent.updated_at
            ):
                del self.alerts[sent.fingerprint]

    @property
    def flushing(self) -> bool:
        return self.flush_id is not None

    def __repr__(self) -> str:
        state = f"flushing={self.flush_id}" if self.flushing else "idle"
        return f"<AggregationGroup {self.key} alerts={len(self.alerts)} {state}>"
