"""The deduper actor: decides from the notification log whether a branch must send.

Alertmanager's ``DedupStage`` (pipeline.md §4.6), reading the snapshot of the
notification log that the gossiper publishes after every write.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import pykka

from actors.base import GossamerActor
from actors.messages import Branch, BranchDone
from cluster.nflog import Entry, state_key
from gossamer.labels import alert_hash
from gossamer.metrics import NodeMetrics


def needs_update(
    entry: Entry | None,
    firing: set[int],
    resolved: set[int],
    send_resolved: bool,
    repeat_ns: int,
    now_ns: int,
) -> bool:
    """Alertmanager's ``DedupStage.needsUpdate``, check for check."""
    if entry is None:
        return len(firing) > 0
    if not firing <= set(entry.firing_alerts):
        return True
    if not firing:
        return len(entry.firing_alerts) > 0
    if send_resolved and not resolved <= set(entry.resolved_alerts):
        return True
    return entry.timestamp < now_ns - repeat_ns


class Deduper(GossamerActor):
    name = "deduper"

    def __init__(
        self,
        clock: Any,
        sender: pykka.ActorRef,
        dispatcher: Callable[[], pykka.ActorRef],
        nflog_view: Callable[[], Mapping[str, Entry]],
        metrics: NodeMetrics,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.clock = clock
        self.sender = sender
        self.dispatcher = dispatcher
        self.nflog_view = nflog_view
        self.metrics = metrics
        self.suppressed = 0

    def on_Branch(self, branch: Branch) -> None:
        now = self.clock.now_ns()
        firing = tuple(alert_hash(a.labels) for a in branch.alerts if not a.resolved_at(now))
        resolved = tuple(alert_hash(a.labels) for a in branch.alerts if a.resolved_at(now))
        self.metrics.nflog_queries.inc()
        entry = self.nflog_view().get(state_key(branch.flush.ctx.group_key, branch.receiver))
        if entry is None:
            self.metrics.nflog_query_errors.inc()  # Alertmanager counts "not found" as an error
        repeat_ns = int(branch.flush.repeat_interval * 1e9)
        if needs_update(
            entry, set(firing), set(resolved), branch.notifier.send_resolved, repeat_ns, now
        ):
            self.sender.tell(
                msgspec.structs.replace(branch, firing_hashes=firing, resolved_hashes=resolved)
            )
        else:
            self.suppressed += 1
            self.dispatcher().tell(BranchDone(branch.flush.flush_id, True))

    def on_message_failed(self, message: Any, exc: Exception) -> None:
        if isinstance(message, Branch):
            self.dispatcher().tell(BranchDone(message.flush.flush_id, False, str(exc)))

    def statistics(self) -> dict[str, Any]:
        return {**super().statistics(), "suppressed": self.suppressed}
