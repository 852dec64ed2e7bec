"""When the cluster counts as settled ("ready"), so notifications may start.

Runs on the cluster thread. The node is ready at the earliest of:

* the first completed full push-pull with any peer, in either direction
  (gossamer: its state is then synchronised with a reachable peer; a node
  restarting into a running cluster is ready within milliseconds);
* Alertmanager's rule (cluster.md §4): the member count, polled every
  10 × gossip_interval, held for three polls after the first — 10 s by
  default, so a lone or first node becomes ready as in Alertmanager;
* ``settle_timeout``.

Ready is reached once and never left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from cluster.transport import Periodic
from gossamer.clock import TimerHandle

if TYPE_CHECKING:
    from cluster.engine import Engine

STABLE_POLLS = 3


class Readiness:
    """Settle state; ``on_ready(reason)`` is called once, on the cluster thread."""

    def __init__(self, engine: Engine, on_ready: Callable[[str], None]) -> None:
        self.engine = engine
        self.ready = False
        self.reason = ""
        self._on_ready = on_ready
        self._count = 0
        self._okay = 0
        self._poller = Periodic()
        self._timeout: TimerHandle | None = None

    def start(self) -> None:
        settings = self.engine.settings
        self._poller = self.engine.every(10 * settings.gossip_interval, self._poll)
        self._timeout = self.engine.later(
            settings.settle_timeout, lambda: self._mark("settle timeout reached")
        )

    def _poll(self) -> None:
        if self.ready:
            return
        n = len(self.engine.table.live())
        if self._okay >= STABLE_POLLS:
            self._mark(f"member count stable at {n}")
            return
        self._okay = self._okay + 1 if n == self._count else 0
        self._count = n

    def synced(self, peer: str) -> None:
        """A full push-pull with ``peer`` completed."""
        self._mark(f"full state exchanged with {peer}")

    def _mark(self, reason: str) -> None:
        if self.ready:
            return
        self.ready, self.reason = True, reason
        self._poller.cancel()
        if self._timeout is not None:
            self._timeout.cancel()
        self.engine.log.info("cluster settled: {}", reason)
        self._on_ready(reason)

    def __repr__(self) -> str:
        return f"<Readiness ready={self.ready} reason={self.reason!r} polls_stable={self._okay}>"
