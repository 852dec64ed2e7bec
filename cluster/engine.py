"""One peer's cluster protocol: routes messages to membership, dissemination and push-pull.

Everything here runs on the cluster thread (the transport's thread, or the
thread advancing the ``ManualClock`` with the in-memory transport), so none of
it locks. The engine is the ``TransportHandler``: it decodes what arrives,
counts and drops what does not decode, and hands each message to its owner.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from loguru import logger

from cluster import wire
from cluster.dissemination import Dissemination, Outbox
from cluster.exchange import Exchange
from cluster.handlers import StateHandler
from cluster.members import MemberTable
from cluster.membership import Membership
from cluster.metrics import ClusterMetrics
from cluster.readiness import Readiness
from cluster.settings import ClusterSettings
from cluster.transport import Periodic, Responder, Transport
from gossamer.clock import TimerHandle

View = tuple[tuple[str, str], ...]


class Engine:
    """The protocol state of one peer; create after the transport has bound."""

    def __init__(
        self,
        name: str,
        settings: ClusterSettings,
        transport: Transport,
        metrics: ClusterMetrics,
        handlers: dict[str, StateHandler],
        outbox: Outbox,
        rng: random.Random,
        on_view: Callable[[View], None],
        on_ready: Callable[[str], None],
    ) -> None:
        self.name = name
        self.settings = settings
        self.transport = transport
        self.metrics = metrics
        self.handlers = handlers
        self.rng = rng
        self.stopped = False
        self._on_view = on_view
        me = wire.NodeInfo(name, transport.address, transport.gossip_address, 0)
        self.log = logger.bind(peer=name)
        self.table = MemberTable(me, transport.now_ns())
        self.dissemination = Dissemination(self, outbox)
        self.exchange = Exchange(self)
        self.membership = Membership(self)
        self.readiness = Readiness(self, on_ready)

    def start(self) -> None:
        """Join the seeds and start the periodic loops."""
        self.log.info(
            "cluster peer {} starting at {} (gossip {})",
            self.name,
            self.transport.address,
            self.transport.gossip_address,
        )
        self.dissemination.start()
        self.membership.start()
        self.exchange.start()
        self.readiness.start()
        self.view_changed()

    def stop(self, leave: bool, done: Callable[[], None]) -> None:
        """Announce a graceful leave if asked, then stop everything and call ``done``."""
        if self.stopped:
            done()
            return

        def finish() -> None:
            self.stopped = True
            self.log.info("cluster peer {} stopped", self.name)
            done()

        if leave:
            self.membership.leave(finish)
        else:
            finish()

    # Transport callbacks ---------------------------------------------------
    def on_request(self, payload: bytes, respond: Responder) -> None:
        message = self._decode(payload, "request")
        if message is None or self.stopped:
            return
        if isinstance(message, wire.Ping):
            self.membership.on_ping(message, respond)
        elif isinstance(message, wire.IndirectPing):
            self.membership.on_indirect_ping(message, respond)
        elif isinstance(message, wire.PushPull):
            self.exchange.on_push_pull(message, len(payload), respond)
        elif isinstance(message, wire.Pull):
            self.dissemination.on_pull(message, respond)
        elif isinstance(message, wire.Leave):
            self.membership.on_leave(message, respond)
        else:
            self.undecodable("request", f"unexpected {type(message).__name__}")

    def on_gossip(self, payload: bytes) -> None:
        message = self._decode(payload, "gossip")
        if message is None or self.stopped:
            return
        if isinstance(message, wire.Gossip):
            self.dissemination.on_gossip(message)
        else:
            self.undecodable("gossip", f"unexpected {type(message).__name__}")

    def _decode(self, payload: bytes, kind: str) -> wire.Message | None:
        try:
            return wire.decode(payload)
        except wire.WireError as exc:
            self.undecodable(kind, str(exc))
            return None

    def undecodable(self, kind: str, reason: str) -> None:
        self.metrics.undecodable.inc()
        self.log.warning("dropped an undecodable cluster {}: {}", kind, reason)

    # Helpers for the components --------------------------------------------
    def request(
        self,
        address: str,
        message: wire.Request,
        timeout_s: float,
        on_reply: Callable[[wire.Message | None], None],
    ) -> None:
        """Send a request; ``on_reply`` gets the decoded reply, or None on timeout or garbage."""

        def received(data: bytes | None) -> None:
            if self.stopped:
                return
            on_reply(None if data is None else self._decode(data, "reply"))

        self.transport.request(address, wire.encode(message), timeout_s, received)

    def later(self, delay_s: float, callback: Callable[[], None]) -> TimerHandle:
        """A one-shot timer that does nothing once the engine stopped."""

        def fire() -> None:
            if not self.stopped:
                callback()

        return self.transport.call_later(delay_s, fire)

    def every(
        self, interval_s: float, callback: Callable[[], None], first_s: float | None = None
    ) -> Periodic:
        """Run ``callback`` every ``interval_s`` until cancelled (never if ``interval_s`` <= 0)."""
        periodic = Periodic()
        if interval_s <= 0:
            return periodic

        def tick() -> None:
            if not periodic.cancelled:
                periodic.handle = self.later(interval_s, tick)
                callback()

        periodic.handle = self.later(interval_s if first_s is None else first_s, tick)
        return periodic

    def now_ns(self) -> int:
        return self.transport.now_ns()

    def me(self) -> wire.NodeInfo:
        return self.table.me.info()

    def view_changed(self) -> None:
        """Publish the member list snapshot and refresh the gauges."""
        live = self.table.live()
        view = tuple((m.name, m.address) for m in live)
        self.metrics.members.set(len(live))
        if self.metrics.position is not None:
            self.metrics.position.set(
                [m.name for m in live].index(self.name) if self.table.me in live else 0
            )
        self.metrics.failed_peers.set(len(self.membership.joiner.failed))
        self._on_view(view)

    def __repr__(self) -> str:
        return f"<Engine {self.name} {self.table!r} stopped={self.stopped}>"
