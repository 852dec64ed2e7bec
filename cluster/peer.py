"""``ClusterPeer``: the node's handle on the gossip cluster (Alertmanager's ``cluster.Peer``).

The node creates one peer when ``--cluster.listen-address`` is set, registers
each replicated state with ``add_state`` (getting a ``Broadcaster`` back),
calls ``start`` and later ``stop``. All protocol work happens on the cluster
thread owned by the transport; the methods here are thread-safe and never
block except ``start`` (until the sockets are bound) and ``stop`` (until the
leave is acknowledged or times out).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from loguru import logger
from prometheus_client import CollectorRegistry

from cluster import wire
from cluster.dissemination import Outbox
from cluster.engine import Engine, View
from cluster.handlers import Broadcaster, StateHandler
from cluster.membership import LEAVE_TIMEOUT
from cluster.metrics import ClusterMetrics
from cluster.settings import ClusterSettings
from cluster.transport import Transport
from gossamer.clock import Clock
from gossamer.ulid import new_ulid

__all__ = ["Broadcaster", "ClusterPeer", "ClusterSettings", "StateHandler"]


class _StateBroadcaster:
    """The ``Broadcaster`` handed out by ``add_state``: queues an update for one key."""

    def __init__(self, outbox: Outbox, key: str) -> None:
        self._outbox = outbox
        self.key = key

    def broadcast(self, data: bytes) -> None:
        self._outbox.put(wire.Update(self.key, data))

    def __repr__(self) -> str:
        return f"<Broadcaster key={self.key} queued={len(self._outbox)}>"


class ClusterPeer:
    """One member of the gossip cluster."""

    def __init__(
        self,
        settings: ClusterSettings,
        clock: Clock,
        registry: CollectorRegistry,
        name: str | None = None,
        transport: Transport | None = None,
        seed: int | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.name = name or new_ulid(clock.now_ns() // 1_000_000)
        self.metrics = ClusterMetrics(registry, self.name)
        if transport is None:
            from cluster.zmq_transport import ZmqTransport

            transport = ZmqTransport(settings, clock)
        self.transport = transport
        self._rng = random.Random(seed)
        self._handlers: dict[str, StateHandler] = {}
        self._outbox = Outbox(self.metrics.pruned.inc, self.metrics.queued.set)
        self._engine: Engine | None = None
        self._view: View = ((self.name, ""),)
        self._lock = threading.Lock()
        self._ready_reason = ""
        self._ready_callbacks: list[Callable[[], None]] = []
        self._watchers: list[Callable[[list[tuple[str, str]]], None]] = []
        self._stopped = False

    def add_state(self, handler: StateHandler) -> Broadcaster:
        """Replicate ``handler``'s state; call before ``start`` (any thread)."""
        if self._engine is not None:
            raise RuntimeError("add_state must be called before start")
        if handler.key in self._handlers:
            raise ValueError(f"state {handler.key!r} is already registered")
        self._handlers[handler.key] = handler
        self.metrics.add_key(handler.key)
        return _StateBroadcaster(self._outbox, handler.key)

    def start(self) -> None:
        """Bind, then join the seeds and settle in the background (a failed join is only a warning)."""
        if self._engine is not None:
            raise RuntimeError("cluster peer already started")
        self.transport.start(self)
        engine = Engine(
            self.name, self.settings, self.transport, self.metrics, dict(self._handlers),
            self._outbox, self._rng, self._set_view, self._set_ready,
        )  # fmt: skip
        self._view = ((self.name, self.transport.address),)
        self._engine = engine
        self.transport.call_soon(engine.start)

    def stop(self, leave: bool = True) -> None:
        """Announce a graceful leave (unless ``leave`` is False: a crash), then close (any thread)."""
        engine = self._engine
        if engine is None or self._stopped:
            return
        self._stopped = True
        self.transport.call_soon(lambda: engine.stop(leave, self.transport.close))
        self.transport.join(LEAVE_TIMEOUT + 5)

    # TransportHandler: forwards to the engine (cluster thread) -------------------------
    def on_request(self, payload: bytes, respond: Callable[[bytes], None]) -> None:
        if self._engine is not None:
            self._engine.on_request(payload, respond)

    def on_gossip(self, payload: bytes) -> None:
        if self._engine is not None:
            self._engine.on_gossip(payload)

    def on_malformed(self, kind: str, reason: str) -> None:
        if self._engine is not None:
            self._engine.undecodable(kind, reason)

    # Read from any thread --------------------------------------------------------------
    def position(self) -> int:
        """Index of this node in the name-sorted list of alive and suspect members (incl. itself)."""
        for index, (name, _) in enumerate(self._view):
            if name == self.name:
                return index
        return 0

    def members(self) -> list[tuple[str, str]]:
        """(name, advertised address) of the alive and suspect members, sorted by name, incl. this node."""
        return list(self._view)

    def status(self) -> str:
        return "ready" if self._ready_reason else "settling"

    def on_ready(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once when settled: on the cluster thread, or now if already settled."""
        with self._lock:
            if not self._ready_reason:
                self._ready_callbacks.append(callback)
                return
        callback()

    def on_change(self, callback: Callable[[list[tuple[str, str]]], None]) -> None:
        """Call ``callback(members())`` on the cluster thread whenever the member list changes.

        It must only hand off (e.g. an actor ``tell``); register before ``start``.
        """
        self._watchers.append(callback)

    def statistics(self) -> dict[str, object]:
        """A snapshot for debugging and tests (reads engine fields without locking)."""
        engine = self._engine
        stats: dict[str, object] = {
            "name": self.name,
            "status": self.status(),
            "members": len(self._view),
        }
        if engine is not None:
            stats.update(
                seq=engine.dissemination.seq, origins=len(engine.dissemination.origins),
                failed_peers=len(engine.membership.joiner.failed), health=engine.membership.prober.health,
                push_pulls=engine.exchange.completed, queued=len(self._outbox),
            )  # fmt: skip
        return stats

    # Engine callbacks (cluster thread) --------------------------------------------------
    def _set_view(self, view: View) -> None:
        if view == self._view:
            return
        self._view = view
        for watcher in self._watchers:
            try:
                watcher(list(view))
            except Exception:
                logger.exception("cluster on_change callback failed")

    def _set_ready(self, reason: str) -> None:
        with self._lock:
            self._ready_reason = reason
            callbacks, self._ready_callbacks = self._ready_callbacks, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                logger.exception("cluster on_ready callback failed")

    def __repr__(self) -> str:
        return f"<ClusterPeer {self.name} {self.status()} members={len(self._view)} position={self.position()}>"
